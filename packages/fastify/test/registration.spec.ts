import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import wsgate, { FST_WSGATE_INVALID_OPTION, type WsGatePluginOptions } from '../src/index.js';
import { ALLOWED_ORIGIN, defaultPluginOptions, requestTicket } from './support/app.js';
import { SwitchableStore } from './support/stores.js';

async function bootError(options: WsGatePluginOptions): Promise<unknown> {
  const app = Fastify();
  app.register(wsgate, options);
  try {
    await app.ready();
  } catch (error) {
    return error;
  } finally {
    await app.close().catch(() => undefined);
  }
  return undefined;
}

describe('registration', () => {
  const authenticate = () => ({ subject: 'alice' });

  it.each([
    ['an empty origin allowlist', { origins: { allow: [] } }, /allowlist is empty/],
    ["'*' without allowAny", { origins: { allow: ['*'] } }, /allowAny/],
    [
      'a ticket route path without a leading slash',
      { origins: { allow: [ALLOWED_ORIGIN] }, ticketRoute: { path: 'ws-ticket', authenticate } },
      /ticketRoute\.path/,
    ],
    [
      'a ticket route without authenticate',
      {
        origins: { allow: [ALLOWED_ORIGIN] },
        ticketRoute: {} as unknown as WsGatePluginOptions['ticketRoute'],
      },
      /ticketRoute\.authenticate/,
    ],
    [
      'a ticket route rate limit of 0',
      {
        origins: { allow: [ALLOWED_ORIGIN] },
        ticketRoute: { authenticate, perSession: { max: 0, windowMs: 1000 } },
      },
      /ticketRoute\.perSession/,
    ],
    [
      "version 1's ticketRoute.rateLimit (gone: it would leave the route on the defaults)",
      {
        origins: { allow: [ALLOWED_ORIGIN] },
        ticketRoute: {
          authenticate,
          rateLimit: { max: 5, timeWindow: 60_000 },
        } as unknown as WsGatePluginOptions['ticketRoute'],
      },
      /ticketRoute\.rateLimit is gone: use ticketRoute\.perSession and ticketRoute\.perAddress/,
    ],
    [
      'websocket.maxPayload larger than messages.maxBytes',
      {
        origins: { allow: [ALLOWED_ORIGIN] },
        messages: { maxBytes: 1024 },
        websocket: { maxPayload: 2048 },
      },
      /maxPayload \(2048\) exceeds messages.maxBytes \(1024\)/,
    ],
    ...[0, -1, 0.5, Number.NaN].map(
      (maxPayload) =>
        [
          `websocket.maxPayload ${maxPayload} (ws reads it as "no limit")`,
          { origins: { allow: [ALLOWED_ORIGIN] }, websocket: { maxPayload } },
          /must be a positive integer/,
        ] as [string, WsGatePluginOptions, RegExp],
    ),
    ['a missing origins option', {} as WsGatePluginOptions, /origins is required/],
  ] satisfies [string, WsGatePluginOptions, RegExp][])(
    'fails app.ready() with FST_WSGATE_INVALID_OPTION for %s',
    async (_name, options, message) => {
      const error = await bootError(options);
      expect(error).toBeInstanceOf(FST_WSGATE_INVALID_OPTION);
      expect(error).toMatchObject({
        code: 'FST_WSGATE_INVALID_OPTION',
        message: expect.stringMatching(message),
      });
    },
  );

  it("boots with '*' when allowAny is set", async () => {
    await expect(bootError({ origins: { allow: ['*'], allowAny: true } })).resolves.toBeUndefined();
  });

  it('refuses to register after @fastify/websocket with FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED', async () => {
    const app = Fastify();
    app.register(fastifyWebsocket);
    app.register(wsgate, defaultPluginOptions());
    await expect(app.ready()).rejects.toMatchObject({ code: 'FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED' });
    await app.close().catch(() => undefined);
  });

  it('decorates the instance and the request, and registers @fastify/websocket with the guard limits', async () => {
    const app = Fastify();
    await app.register(wsgate, {
      ...defaultPluginOptions(),
      messages: { maxBytes: 4096 },
    });
    await app.ready();
    try {
      expect(app.wsgate.issueTicket).toBeTypeOf('function');
      expect(app.wsgate.revokeSession).toBeTypeOf('function');
      expect(app.wsgate.revokeSubject).toBeTypeOf('function');
      expect(app.wsgate.registry.size).toBe(0);
      expect(app.wsgate.revokeSession('nobody')).toBe(0);
      expect(app.wsgate.revokeSubject('nobody')).toBe(0);
      expect(app.hasRequestDecorator('wsgate')).toBe(true);
      expect(app.hasDecorator('websocketServer')).toBe(true);
      expect(app.websocketServer.options).toMatchObject({ maxPayload: 4096, perMessageDeflate: false });
    } finally {
      await app.close();
    }
  });

  it('defaults maxPayload to 16 KiB without a message guard, and keeps a smaller one', async () => {
    const defaults = Fastify();
    await defaults.register(wsgate, defaultPluginOptions());
    const smaller = Fastify();
    await smaller.register(wsgate, { ...defaultPluginOptions(), websocket: { maxPayload: 512 } });
    try {
      expect(defaults.websocketServer.options.maxPayload).toBe(16_384);
      expect(smaller.websocketServer.options.maxPayload).toBe(512);
    } finally {
      await defaults.close();
      await smaller.close();
    }
  });

  it('refuses, when it is registered, a WebSocket route that declares no messages (fail closed), naming it', async () => {
    const app = Fastify();
    await app.register(wsgate, defaultPluginOptions());
    expect(() => app.get('/chat', { websocket: true }, () => undefined)).toThrow(
      expect.objectContaining({ code: 'FST_WSGATE_NO_MESSAGES', message: expect.stringContaining('/chat') }),
    );
    await app.close();
  });

  it.each<[string, unknown, RegExp]>([
    ['a message without a handler', { join: { schema: { type: 'object' } } }, /"join" has no handler/],
    ['a message without a schema', { join: { handler: () => undefined } }, /"join" has no schema/],
    ['a schema that is not one', { join: { schema: 42, handler: () => undefined } }, /neither a Validator/],
    ['an empty JSON Schema', { join: { schema: {}, handler: () => undefined } }, /constrains nothing/],
    ['messages and raw together', undefined, /either messages or raw/],
  ])('refuses a route with %s (FST_WSGATE_INVALID_MESSAGES)', async (_label, messages, message) => {
    const app = Fastify();
    await app.register(wsgate, defaultPluginOptions());
    const wsgateConfig =
      messages === undefined ? { messages: {}, raw: true as const } : { messages: messages as never };
    expect(() =>
      app.get('/chat', { websocket: true, config: { wsgate: wsgateConfig } }, () => undefined),
    ).toThrow(
      expect.objectContaining({
        code: 'FST_WSGATE_INVALID_MESSAGES',
        message: expect.stringMatching(message),
      }),
    );
    await app.close();
  });

  it('accepts a route that says it reads raw frames, and a public route', async () => {
    const app = Fastify();
    await app.register(wsgate, defaultPluginOptions());
    app.get('/raw', { websocket: true, config: { wsgate: { raw: true } } }, () => undefined);
    app.get('/public', { websocket: true, config: { wsgate: false } }, () => undefined);
    await expect(app.ready()).resolves.toBeDefined();
    await app.close();
  });

  it('closes the ticket store when the app closes', async () => {
    const store = new SwitchableStore();
    const app = Fastify();
    await app.register(wsgate, { ...defaultPluginOptions(), tickets: { store } });
    await app.ready();
    await requestTicket(app);
    expect(store.inner.size).toBe(1);
    expect(store.closes).toBe(0);
    await app.close();
    expect(store.closes).toBe(1);
    await expect(store.inner.take('anything')).rejects.toMatchObject({ code: 'WSGATE_STORE_CLOSED' });
  });
});
