import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WebSocketGateway } from '@nestjs/websockets';
import { MemoryTicketStore, WsGateConfigError, WsGateError, type TicketRecord } from '@wsgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TicketService,
  TicketStore,
  WsGate,
  WsGateAdapter,
  WsGateModule,
  WsGateModuleMissingError,
  WSGATE_OPTIONS,
  type WsGateModuleOptions,
  type WsGateOptionsFactory,
} from '../src/index.js';
import { connect, createApp, open, ORIGIN, RawGateway, type TestApp } from './support.js';

@Injectable()
class AppConfig {
  readonly origins = ['http://configured.test'];
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class AppConfigModule {}

@WebSocketGateway(4599)
class OwnPortGateway {}

/** Builds the options in a class, for forRootAsync({ useClass }) and ({ useExisting }). */
@Injectable()
class GateOptionsFactory implements WsGateOptionsFactory {
  createWsGateOptions(): WsGateModuleOptions {
    return { origins: { allow: ['http://from-class.test'] } };
  }
}

@Module({ providers: [GateOptionsFactory], exports: [GateOptionsFactory] })
class GateOptionsModule {}

describe('WsGateModule', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it.each([
    ['useClass', { useClass: GateOptionsFactory }],
    ['useExisting', { imports: [GateOptionsModule], useExisting: GateOptionsFactory }],
  ])(
    'forRootAsync builds the options with %s, as @nestjs/throttler and @nestjs/jwt do',
    async (_name, async) => {
      const t = await createApp({ module: [WsGateModule.forRootAsync(async)] });
      apps.push(t);
      const issued = await t.app
        .get(TicketService)
        .issueForRequest(
          { headers: { origin: 'http://from-class.test' }, socket: { remoteAddress: '127.0.0.1' } },
          { subject: 'x' },
        );
      expect(issued).toMatchObject({ ok: true });
      const foreign = await t.app
        .get(TicketService)
        .issueForRequest(
          { headers: { origin: ORIGIN }, socket: { remoteAddress: '127.0.0.1' } },
          { subject: 'x' },
        );
      expect(foreign).toMatchObject({ ok: false, code: 'ORIGIN_NOT_ALLOWED' });
    },
  );

  it('forRootAsync needs exactly one of useFactory, useClass, useExisting', () => {
    expect(() => WsGateModule.forRootAsync({})).toThrow(WsGateConfigError);
    expect(() =>
      WsGateModule.forRootAsync({ useClass: GateOptionsFactory, useExisting: GateOptionsFactory }),
    ).toThrow(/exactly one/);
  });

  it('forRootAsync builds the options from injected providers of imported modules', async () => {
    const t = await createApp({
      module: [
        WsGateModule.forRootAsync({
          imports: [AppConfigModule],
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => ({ origins: { allow: config.origins } }),
        }),
      ],
    });
    apps.push(t);
    const tickets = t.app.get(TicketService);
    const foreign = await tickets.issueForRequest(
      { headers: { origin: ORIGIN }, socket: { remoteAddress: '127.0.0.1' } },
      { subject: 'x' },
    );
    expect(foreign).toEqual({ ok: false, status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    const allowed = await tickets.issueForRequest(
      { headers: { origin: 'http://configured.test' }, socket: { remoteAddress: '127.0.0.1' } },
      { subject: 'x' },
    );
    expect(allowed).toMatchObject({ ok: true, ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const { welcome } = await connect(t.wsUrl('/ws', `ticket=${allowed.ok ? allowed.ticket : ''}`), {
      origin: 'http://configured.test',
    });
    expect(welcome).toMatchObject({ type: 'welcome', user: 'x' });
  });

  it('provides the options, the gate and a MemoryTicketStore by default under tokens named like their interfaces', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [WsGateModule.forRoot({ origins: { allow: [ORIGIN] } })],
    }).compile();
    expect(moduleRef.get(WSGATE_OPTIONS)).toEqual({ origins: { allow: [ORIGIN] } });
    expect(moduleRef.get(TicketStore)).toBeInstanceOf(MemoryTicketStore);
    expect(typeof moduleRef.get<symbol, { issueForRequest: unknown }>(WsGate).issueForRequest).toBe(
      'function',
    );
    await moduleRef.close();
  });

  it('lets tests swap the ticket store with overrideProvider(TicketStore)', async () => {
    const puts: string[] = [];
    const inner = new MemoryTicketStore();
    const store: TicketStore = {
      put: async (key: string, record: TicketRecord, ttlMs: number) => {
        puts.push(record.subject);
        await inner.put(key, record, ttlMs);
      },
      take: (key: string) => inner.take(key),
      close: () => inner.close(),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [WsGateModule.forRoot({ origins: { allow: [ORIGIN] } })],
    })
      .overrideProvider(TicketStore)
      .useValue(store)
      .compile();
    await moduleRef
      .get(TicketService)
      .issueForRequest({ headers: {}, socket: { remoteAddress: '127.0.0.1' } }, { subject: 'zoe' });
    expect(puts).toEqual(['zoe']);
    await moduleRef.close();
  });

  describe('a bad configuration fails the boot with WsGateConfigError', () => {
    const bad: [string, WsGateModuleOptions][] = [
      ['empty origin allowlist', { origins: { allow: [] } }],
      ['malformed origin', { origins: { allow: ['not an origin'] } }],
      ['bad refusal mode', { origins: { allow: [ORIGIN] }, refusal: 'maybe' as 'http' }],
      ['bad ticket ttl', { origins: { allow: [ORIGIN] }, tickets: { ttlMs: -1 } }],
      ['bad maxBytes', { origins: { allow: [ORIGIN] }, messages: { maxBytes: 0 } }],
      [
        'bad rate limit',
        { origins: { allow: [ORIGIN] }, messages: { rateLimit: { burst: 0, perSecond: 1 } } },
      ],
      [
        'bad per-session limit',
        { origins: { allow: [ORIGIN] }, ticketRoute: { authenticate: () => null, perSession: { max: 0 } } },
      ],
      [
        "version 1's ticketRoute.throttle (gone: it would leave the route on the defaults)",
        {
          origins: { allow: [ORIGIN] },
          ticketRoute: {
            authenticate: () => null,
            throttle: { limit: 5, ttl: 60_000 },
          } as WsGateModuleOptions['ticketRoute'],
        },
      ],
      [
        'missing authenticate',
        { origins: { allow: [ORIGIN] }, ticketRoute: {} as WsGateModuleOptions['ticketRoute'] },
      ],
    ];
    it.each(bad)('%s', async (_name, options) => {
      const compiled = Test.createTestingModule({ imports: [WsGateModule.forRoot(options)] }).compile();
      await expect(compiled).rejects.toBeInstanceOf(WsGateConfigError);
      await expect(compiled).rejects.toMatchObject({ code: 'WSGATE_INVALID_OPTION' });
    });

    it('a bad ticket route path, at module definition', () => {
      expect(() =>
        WsGateModule.forRoot({
          origins: { allow: [ORIGIN] },
          ticketRoute: { path: 'no-slash', authenticate: () => null },
        }),
      ).toThrow(WsGateConfigError);
    });

    it('forRootAsync whose factory returns a route that was not declared', async () => {
      const compiled = Test.createTestingModule({
        imports: [
          WsGateModule.forRootAsync({
            useFactory: () => ({ origins: { allow: [ORIGIN] }, ticketRoute: { authenticate: () => null } }),
          }),
        ],
      }).compile();
      await expect(compiled).rejects.toThrow(/declare it in forRootAsync/);
    });

    it('a gateway on its own port without a path (its upgrades would bypass the check)', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [WsGateModule.forRoot({ origins: { allow: [ORIGIN] } })],
        providers: [OwnPortGateway],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      app.useWebSocketAdapter(new WsGateAdapter(app));
      await expect(app.init()).rejects.toBeInstanceOf(WsGateConfigError);
      await app.close().catch(() => undefined);
    });
  });

  it("refuses WsGateAdapter options it does not have (WsAdapter's messageParser) and a non-boolean logRefusals", async () => {
    const moduleRef = await Test.createTestingModule({ providers: [RawGateway] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    expect(() => new WsGateAdapter(app, { messageParser: () => undefined } as never)).toThrow(
      /WsGateAdapter options: messageParser is not an option \(known: logRefusals\)/,
    );
    expect(() => new WsGateAdapter(app, { logRefusals: 'no' as never })).toThrow(WsGateConfigError);
    expect(() => new WsGateAdapter(app, { logRefusals: false })).not.toThrow();
    await app.close().catch(() => undefined);
  });

  it('WsGateAdapter without WsGateModule fails the boot with WSGATE_MODULE_MISSING', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [RawGateway] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new WsGateAdapter(app));
    const init = app.init();
    await expect(init).rejects.toBeInstanceOf(WsGateModuleMissingError);
    await expect(init).rejects.toBeInstanceOf(WsGateError);
    await app.close().catch(() => undefined);
  });

  describe("refusal: 'close-frame'", () => {
    it('accepts, then closes at once with the close code and the refusal code as reason', async () => {
      const t = await createApp({
        module: [WsGateModule.forRoot({ origins: { allow: [ORIGIN] }, refusal: 'close-frame' })],
      });
      apps.push(t);
      const missing = await open(t.wsUrl());
      expect(missing.kind).toBe('open');
      if (missing.kind === 'open')
        expect(await missing.client.closed).toEqual({ code: 4401, reason: 'TICKET_MISSING' });
      const foreign = await open(t.wsUrl('/ws', `ticket=${await t.ticket()}`), {
        origin: 'http://evil.example',
      });
      if (foreign.kind !== 'open') throw new Error('expected open');
      expect(await foreign.client.closed).toEqual({ code: 4403, reason: 'ORIGIN_NOT_ALLOWED' });
      expect(foreign.client.frames).toEqual([]);
      const viaProtocol = await open(t.wsUrl(), { protocols: ['wsgate', `wsgate.ticket.${'A'.repeat(43)}`] });
      if (viaProtocol.kind !== 'open') throw new Error('expected open');
      expect(viaProtocol.client.socket.protocol).toBe('wsgate');
      expect(await viaProtocol.client.closed).toEqual({ code: 4401, reason: 'TICKET_INVALID' });
      const { welcome, client } = await connect(t.wsUrl('/ws', `ticket=${await t.ticket()}`));
      expect(welcome).toMatchObject({ type: 'welcome', user: 'alice' });
      client.socket.close();
    });
  });
});
