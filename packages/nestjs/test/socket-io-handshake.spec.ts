// WsGateIoAdapter before any Engine.IO session exists: refusals in HTTP without a `sid`, on the
// Express and Fastify platforms; the boot fails closed (a handler without DTO, no module).
import { Test } from '@nestjs/testing';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { WsGateConfigError } from '@wsgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsGateModule, WsGateModuleMissingError } from '../src/index.js';
import { WsGateIoAdapter } from '../src/socket.io/index.js';
import {
  createIoApp,
  emitAck,
  IO_OPTIONS,
  IO_ORIGIN,
  ioConnect,
  ioTarget,
  IoChatGateway,
  rawPoll,
  rawUpgrade,
  type TestApp,
} from './socket-io-support.js';
import { PLATFORMS } from './support.js';

describe.each(PLATFORMS)('WsGateIoAdapter handshakes on the %s platform', (platform) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createIoApp({
      platform,
      module: [WsGateModule.forRoot({ ...IO_OPTIONS, connections: { maxPerSubject: 2 } })],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('connects with a ticket in the handshake query and emits the welcome', async () => {
    const { welcome } = await ioConnect(t, 'bob');
    expect(welcome).toEqual({ user: 'bob', roles: ['member'] });
  });

  it('refuses a handshake without a ticket with 401, saying where the ticket goes, and no sid', async () => {
    const refused = await rawUpgrade(ioTarget(t), '');
    expect(refused).toMatchObject({ upgraded: false, status: 401 });
    if (refused.upgraded) return;
    const body = JSON.parse(refused.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      error: 'TICKET_MISSING',
      message: expect.stringMatching(/handshake query/),
    });
    expect(refused.body).not.toMatch(/sid/);
  });

  it('refuses an unknown ticket (401), a replayed one (401), a foreign Origin (403, ticket kept)', async () => {
    expect(await rawUpgrade(ioTarget(t), `&ticket=${'A'.repeat(43)}`)).toMatchObject({
      upgraded: false,
      status: 401,
      body: '{"error":"TICKET_INVALID"}',
    });
    const ticket = await t.ticket('alice');
    expect(
      await rawUpgrade(ioTarget(t), `&ticket=${ticket}`, { origin: 'https://evil.example' }),
    ).toMatchObject({
      upgraded: false,
      status: 403,
      body: '{"error":"ORIGIN_NOT_ALLOWED"}',
    });
    const first = await rawUpgrade(ioTarget(t), `&ticket=${ticket}`);
    expect(first).toMatchObject({ upgraded: true, open: expect.stringMatching(/^0\{"sid"/) });
    const replay = await rawUpgrade(ioTarget(t), `&ticket=${ticket}`);
    expect(replay).toMatchObject({ upgraded: false, status: 401 });
    if (first.upgraded) first.socket.terminate();
  });

  it('refuses long-polling (off by default) with 400 before the ticket is looked at', async () => {
    const ticket = await t.ticket('alice');
    const refused = await rawPoll(ioTarget(t), `&ticket=${ticket}`);
    expect(refused.status).toBe(400);
    expect(refused.body).not.toMatch(/sid/);
    expect((await ioConnect(t, 'alice', { ticket })).welcome).toMatchObject({ user: 'alice' });
  });

  it('refuses a connection over the per-subject cap with 429', async () => {
    await ioConnect(t, 'dora');
    await ioConnect(t, 'dora');
    const refused = await rawUpgrade(ioTarget(t), `&ticket=${await t.ticket('dora')}`);
    expect(refused).toMatchObject({ upgraded: false, status: 429, body: '{"error":"TOO_MANY_CONNECTIONS"}' });
  });

  it('logs refusals as audit lines without the ticket', async () => {
    const ticket = await t.ticket('erin');
    await rawUpgrade(ioTarget(t), `&ticket=${ticket}`, { origin: 'https://evil.example' });
    const lines = t.logger.lines.filter((line) => line.text.includes('wsgate.upgrade_refused'));
    expect(lines.length).toBeGreaterThan(0);
    expect(t.logger.lines.some((line) => line.text.includes(ticket))).toBe(false);
  });
});

describe('WsGateIoAdapter boot', () => {
  interface Untyped {
    anything: string;
  }

  @WebSocketGateway({ namespace: 'loose' })
  class UntypedIoGateway {
    @SubscribeMessage('loose')
    loose(@MessageBody() body: Untyped) {
      return body;
    }
  }

  it('refuses a handler whose @MessageBody() is not a DTO class, naming it', async () => {
    const boot = (async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [WsGateModule.forRoot(IO_OPTIONS)],
        providers: [UntypedIoGateway],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      app.useWebSocketAdapter(new WsGateIoAdapter(app));
      try {
        await app.init();
      } finally {
        await app.close().catch(() => undefined);
      }
    })();
    await expect(boot).rejects.toBeInstanceOf(WsGateConfigError);
    await expect(boot).rejects.toThrow(/UntypedIoGateway\.loose.*@WsRawMessage/);
  });

  it('fails without WsGateModule with WSGATE_MODULE_MISSING', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [IoChatGateway] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new WsGateIoAdapter(app));
    await expect(app.init()).rejects.toBeInstanceOf(WsGateModuleMissingError);
    await app.close().catch(() => undefined);
  });

  it('refuses what the gate cannot secure, and bad adapter options', async () => {
    @WebSocketGateway({ connectionStateRecovery: {} })
    class RecoveringGateway {}
    const moduleRef = await Test.createTestingModule({
      imports: [WsGateModule.forRoot(IO_OPTIONS)],
      providers: [RecoveringGateway],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new WsGateIoAdapter(app));
    await expect(app.init()).rejects.toThrow(/WsGateIoAdapter: connectionStateRecovery/);
    await app.close().catch(() => undefined);
    expect(() => new WsGateIoAdapter(app, { polling: 'yes' as never })).toThrow(WsGateConfigError);
    // An option IoAdapter or a misspelling would take: refused, not ignored.
    expect(() => new WsGateIoAdapter(app, { pollling: true } as never)).toThrow(
      /WsGateIoAdapter options: pollling is not an option \(known: logRefusals, polling\)/,
    );
  });
});

describe('WsGateIoAdapter with polling', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createIoApp({ ioAdapter: { polling: true } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('opens a long-polling session with a ticket, and refuses one without', async () => {
    expect((await rawPoll(ioTarget(t), '')).status).toBe(401);
    const opened = await rawPoll(ioTarget(t), `&ticket=${await t.ticket('alice')}`, { origin: IO_ORIGIN });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatch(/^0\{"sid"/);
    const { socket } = await ioConnect(t, 'alice', { options: { transports: ['polling'] } });
    expect(await emitAck(socket, 'whoami')).toMatchObject({ ok: true, user: 'alice' });
  });
});
