import { generateTicket } from '@wsgate/core';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  ALLOWED_ORIGIN,
  buildTestApp,
  FOREIGN_ORIGIN,
  registerDefaultRoutes,
  requestTicket,
  wsUrl,
} from './support/app.js';
import {
  closed,
  countServerWrites,
  everOpened,
  nextMessage,
  openOk,
  openRefused,
  openSocket,
} from './support/sockets.js';
import { fakeClock, SwitchableStore } from './support/stores.js';

/** Nothing reached a WebSocket handler: no server-side socket, nothing registered. */
function expectNoServerSocket(app: FastifyInstance): void {
  expect(app.websocketServer.clients.size).toBe(0);
  expect(app.wsgate.registry.size).toBe(0);
}

describe('handshake, before the upgrade', () => {
  it('refuses an upgrade without a ticket with HTTP 401 TICKET_MISSING, and no socket ever opens', async () => {
    const app = await buildTestApp();
    const refusal = await openRefused(wsUrl(app));
    expect(refusal).toMatchObject({ status: 401, body: { error: 'TICKET_MISSING' }, opened: false });
    expect(refusal.headers['cache-control']).toBe('no-store');
    expectNoServerSocket(app);
  });

  it('opens with a valid query ticket and hands the handler the principal', async () => {
    const app = await buildTestApp();
    const ticket = await requestTicket(app, { user: 'alice', session: 's1' });
    const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`);
    await expect(nextMessage(socket)).resolves.toMatchObject({
      type: 'welcome',
      subject: 'alice',
      sessionId: 's1',
    });
  });

  it('sends the 101 and the welcome frame in one write, so the client is woken once', async () => {
    const app = await buildTestApp();
    const ticket = await requestTicket(app, { user: 'alice' });
    const writes = countServerWrites(app.server);
    const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`);
    await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'welcome', subject: 'alice' });
    expect(writes()).toEqual([1]);
  });

  it('refuses unknown, malformed, used and expired tickets with HTTP 401 TICKET_INVALID', async () => {
    const time = fakeClock();
    const app = await buildTestApp({ plugin: { tickets: { ttlMs: 30_000, clock: time.clock } } });
    const url = wsUrl(app);
    const unknown = generateTicket();
    const used = await requestTicket(app);
    await openOk(`${url}?ticket=${used}`);
    const expired = await requestTicket(app);
    time.now += 30_000;

    for (const ticket of [unknown, 'not-a-ticket', used, expired]) {
      const refusal = await openRefused(`${url}?ticket=${encodeURIComponent(ticket)}`);
      expect(refusal, ticket).toMatchObject({
        status: 401,
        body: { error: 'TICKET_INVALID' },
        opened: false,
      });
    }
    expect(app.websocketServer.clients.size).toBe(1);
  });

  it('refuses two tickets in one handshake with 401 TICKET_INVALID', async () => {
    const app = await buildTestApp();
    const first = await requestTicket(app);
    const second = await requestTicket(app);
    const refusal = await openRefused(`${wsUrl(app)}?ticket=${first}`, {
      protocols: ['wsgate', `wsgate.ticket.${second}`],
    });
    expect(refusal).toMatchObject({ status: 401, body: { error: 'TICKET_INVALID' } });
  });

  it('refuses a foreign Origin with HTTP 403 ORIGIN_NOT_ALLOWED without consuming the ticket', async () => {
    const app = await buildTestApp();
    const ticket = await requestTicket(app);
    const url = `${wsUrl(app)}?ticket=${ticket}`;
    const refusal = await openRefused(url, { headers: { origin: FOREIGN_ORIGIN } });
    expect(refusal).toMatchObject({ status: 403, body: { error: 'ORIGIN_NOT_ALLOWED' }, opened: false });
    expectNoServerSocket(app);

    const socket = await openOk(url);
    await expect(nextMessage(socket)).resolves.toMatchObject({
      type: 'welcome',
      subject: 'alice',
      origin: ALLOWED_ORIGIN,
    });
  });

  it('refuses a ticket presented from another allowed Origin than the one it was issued to', async () => {
    const other = 'https://admin.example.com';
    const app = await buildTestApp({ plugin: { origins: { allow: [ALLOWED_ORIGIN, other] } } });
    const ticket = await requestTicket(app);
    const refusal = await openRefused(`${wsUrl(app)}?ticket=${ticket}`, { headers: { origin: other } });
    expect(refusal).toMatchObject({ status: 401, body: { error: 'TICKET_INVALID' } });
  });

  it('answers 503 SERVICE_UNAVAILABLE when the ticket store is down, and serves again once it is back', async () => {
    const store = new SwitchableStore();
    const app = await buildTestApp({ plugin: { tickets: { store } } });
    const ticket = await requestTicket(app);
    store.takeDown = true;
    const refusal = await openRefused(`${wsUrl(app)}?ticket=${ticket}`);
    expect(refusal).toMatchObject({ status: 503, body: { error: 'SERVICE_UNAVAILABLE' }, opened: false });
    store.takeDown = false;
    await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app)}`);
  });

  describe('transport', () => {
    it('refuses plain ws with 403 INSECURE_TRANSPORT under requireSecure, X-Forwarded-Proto from an untrusted peer included', async () => {
      const app = await buildTestApp({ plugin: { transport: { requireSecure: true } } });
      const { ticket } = await app.wsgate.gate.tickets.issue({ subject: 'alice', ip: '127.0.0.1' });
      for (const headers of [{}, { 'x-forwarded-proto': 'https' }] as Record<string, string>[]) {
        const refusal = await openRefused(`${wsUrl(app)}?ticket=${ticket}`, { headers });
        expect(refusal).toMatchObject({ status: 403, body: { error: 'INSECURE_TRANSPORT' }, opened: false });
      }
    });

    it("accepts X-Forwarded-Proto: https from a trusted proxy (trustProxy 'loopback') under requireSecure", async () => {
      const app = await buildTestApp({
        plugin: { transport: { requireSecure: true, trustProxy: 'loopback' } },
      });
      const headers = { 'x-forwarded-proto': 'https' };
      const ticket = await requestTicket(app, { headers });
      const plain = await openRefused(`${wsUrl(app)}?ticket=${ticket}`, {
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(plain).toMatchObject({ status: 403, body: { error: 'INSECURE_TRANSPORT' } });
      const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`, { headers });
      await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'welcome', subject: 'alice' });
    });

    it('takes the client address from X-Forwarded-For of a trusted proxy: a ticket issued to 203.0.113.7 fails from 203.0.113.8', async () => {
      const app = await buildTestApp({ plugin: { transport: { trustProxy: 'loopback' } } });
      const url = wsUrl(app);
      const issuedTo = { 'x-forwarded-for': '203.0.113.7' };

      const stolen = await requestTicket(app, { headers: issuedTo });
      const refusal = await openRefused(`${url}?ticket=${stolen}`, {
        headers: { 'x-forwarded-for': '203.0.113.8' },
      });
      expect(refusal).toMatchObject({ status: 401, body: { error: 'TICKET_INVALID' }, opened: false });

      const ticket = await requestTicket(app, { headers: issuedTo });
      const socket = await openOk(`${url}?ticket=${ticket}`, { headers: issuedTo });
      await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'welcome', clientIp: '203.0.113.7' });
    });

    it('ignores X-Forwarded-For without trustProxy', async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`, {
        headers: { 'x-forwarded-for': '203.0.113.8' },
      });
      await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'welcome', clientIp: '127.0.0.1' });
    });

    it('refuses a ticket presented from another client address than the one it was issued to', async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app); // inject: issued to 127.0.0.1
      const refusal = await openRefused(`${wsUrl(app)}?ticket=${ticket}`, { localAddress: '127.0.0.2' });
      expect(refusal).toMatchObject({ status: 401, body: { error: 'TICKET_INVALID' } });
    });
  });

  describe('subprotocols', () => {
    it("opens with a subprotocol ticket and selects 'wsgate'", async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app);
      const outcome = await openSocket(wsUrl(app), { protocols: ['wsgate', `wsgate.ticket.${ticket}`] });
      expect(outcome.socket?.protocol).toBe('wsgate');
      expect(outcome.protocolHeader).toBe('wsgate');
    });

    it("selects 'wsgate' for a subprotocol ticket even when the client offers another protocol first", async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app);
      const outcome = await openSocket(wsUrl(app), {
        protocols: ['chat', 'wsgate', `wsgate.ticket.${ticket}`],
      });
      expect(outcome.socket?.protocol).toBe('wsgate');
    });

    it('selects the offered application protocol with a query ticket, never a ticket entry', async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app);
      const outcome = await openSocket(`${wsUrl(app)}?ticket=${ticket}`, { protocols: ['chat'] });
      expect(outcome.socket?.protocol).toBe('chat');
      expect(outcome.protocolHeader).toBe('chat');
    });

    it("refuses a ticket entry offered without 'wsgate' with 401, and the refusal echoes no protocol", async () => {
      const app = await buildTestApp();
      const ticket = await requestTicket(app);
      const refusal = await openRefused(wsUrl(app), { protocols: [`wsgate.ticket.${ticket}`] });
      expect(refusal).toMatchObject({ status: 401, body: { error: 'TICKET_INVALID' } });
      expect(refusal.headers['sec-websocket-protocol']).toBeUndefined();
    });
  });

  it("works with @fastify/websocket's injectWS, query and subprotocol tickets alike (given a peer address)", async () => {
    const app = await buildTestApp({ listen: false });
    const contexts = [
      async () => ({ path: `/ws?ticket=${await requestTicket(app)}`, headers: { origin: ALLOWED_ORIGIN } }),
      async () => ({
        path: '/ws',
        headers: {
          origin: ALLOWED_ORIGIN,
          'sec-websocket-protocol': `wsgate, wsgate.ticket.${await requestTicket(app)}`,
        },
      }),
    ];
    for (const context of contexts) {
      const { path, headers } = await context();
      let welcome: Promise<unknown> | undefined;
      const socket = await app.injectWS(
        path,
        // injectWS has no socket: say where the client is, as light-my-request does for app.inject.
        { headers, socket: { remoteAddress: '127.0.0.1' } as never },
        {
          onInit: (ws) => {
            welcome = new Promise((resolve) =>
              ws.once('message', (data) => resolve(JSON.parse(data.toString()))),
            );
          },
        },
      );
      onTestFinished(() => socket.terminate());
      await expect(welcome).resolves.toMatchObject({ type: 'welcome', subject: 'alice' });
    }
    await expect(
      app.injectWS('/ws', {
        headers: { origin: ALLOWED_ORIGIN },
        socket: { remoteAddress: '127.0.0.1' } as never,
      }),
    ).rejects.toThrow('Unexpected server response: 401');
    // No peer address: no per-address limit could count it, so it is refused before its ticket is read.
    const ticket = await requestTicket(app);
    await expect(
      app.injectWS(`/ws?ticket=${ticket}`, { headers: { origin: ALLOWED_ORIGIN } }),
    ).rejects.toThrow('Unexpected server response: 400');
  });

  it('opens exactly one of 20 parallel presentations of one ticket', async () => {
    const app = await buildTestApp();
    const ticket = await requestTicket(app);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => openSocket(`${wsUrl(app)}?ticket=${ticket}`)),
    );
    expect(outcomes.filter((outcome) => outcome.socket !== undefined)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 401)).toHaveLength(19);
    expect(app.wsgate.registry.size).toBe(1);
  });

  it('refuses an upgrade to a non-WebSocket route with 404 and never opens; the route still serves HTTP', async () => {
    const app = await buildTestApp();
    const ticket = await requestTicket(app);
    const refusal = await openRefused(`${wsUrl(app, '/healthz')}?ticket=${ticket}`);
    expect(refusal).toMatchObject({ status: 404, opened: false });
    expectNoServerSocket(app);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('answers plain HTTP GET and HEAD on a WebSocket route with 404', async () => {
    const app = await buildTestApp({ listen: false });
    expect((await app.inject({ method: 'GET', url: '/ws' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'HEAD', url: '/ws' })).statusCode).toBe(404);
  });

  it('never opens a wsHandler route (not a websocket: true route): the upgrade gets 404, plain HTTP is served', async () => {
    const wsHandler = vi.fn();
    const app = await buildTestApp({
      routes: (instance) => {
        instance.route({ method: 'GET', url: '/dual', handler: async () => ({ http: true }), wsHandler });
      },
    });
    const refusal = await openRefused(`${wsUrl(app, '/dual')}?ticket=${await requestTicket(app)}`);
    expect(refusal).toMatchObject({ status: 404, opened: false });
    expect(wsHandler).not.toHaveBeenCalled();
    expect((await app.inject({ method: 'GET', url: '/dual' })).json()).toEqual({ http: true });
  });

  it('refuses an upgrade to an unknown path with 404', async () => {
    const app = await buildTestApp();
    const refusal = await openRefused(wsUrl(app, '/nowhere'));
    expect(refusal).toMatchObject({ status: 404, opened: false });
  });

  it('authenticates WebSocket routes of encapsulated child plugins too', async () => {
    const app = await buildTestApp({
      routes: async (instance) => {
        registerDefaultRoutes(instance);
        await instance.register(
          async (child) => {
            child.get('/ws', { websocket: true, config: { wsgate: { raw: true } } }, (socket, request) =>
              socket.send(JSON.stringify({ subject: request.wsgate.principal.subject })),
            );
          },
          { prefix: '/v1' },
        );
      },
    });
    expect(await openRefused(wsUrl(app, '/v1/ws'))).toMatchObject({
      status: 401,
      body: { error: 'TICKET_MISSING' },
    });
    const socket = await openOk(`${wsUrl(app, '/v1/ws')}?ticket=${await requestTicket(app)}`);
    await expect(nextMessage(socket)).resolves.toEqual({ subject: 'alice' });
  });

  it('opens a route with config.wsgate false without a ticket', async () => {
    const app = await buildTestApp();
    const socket = await openOk(wsUrl(app, '/public'));
    await expect(nextMessage(socket)).resolves.toEqual({ type: 'public' });
    expect(app.wsgate.registry.size).toBe(0);
  });

  describe("refusal: 'close-frame'", () => {
    async function closeFrameApp() {
      const handler = vi.fn();
      const app = await buildTestApp({
        plugin: { refusal: 'close-frame' },
        routes: (instance) => {
          instance.get('/ws', { websocket: true, config: { wsgate: { raw: true } } }, handler);
        },
      });
      return { app, handler };
    }

    it('opens, then closes a bad ticket with 4401 TICKET_INVALID, without running the handler', async () => {
      const { app, handler } = await closeFrameApp();
      const socket = await openOk(`${wsUrl(app)}?ticket=${generateTicket()}`);
      expect(everOpened(socket)).toBe(true);
      await expect(closed(socket)).resolves.toEqual({ code: 4401, reason: 'TICKET_INVALID' });
      expect(handler).not.toHaveBeenCalled();
      expect(app.wsgate.registry.size).toBe(0);
    });

    it("selects 'wsgate', never the ticket entry, for a refused subprotocol ticket offered first", async () => {
      const { app } = await closeFrameApp();
      const outcome = await openSocket(wsUrl(app), {
        protocols: [`wsgate.ticket.${generateTicket()}`, 'wsgate'],
      });
      expect(outcome.protocolHeader).toBe('wsgate');
      await expect(closed(outcome.socket!)).resolves.toEqual({ code: 4401, reason: 'TICKET_INVALID' });
    });

    it('closes a missing ticket with 4401 TICKET_MISSING and a foreign Origin with 4403 ORIGIN_NOT_ALLOWED', async () => {
      const { app, handler } = await closeFrameApp();
      await expect(closed(await openOk(wsUrl(app)))).resolves.toEqual({
        code: 4401,
        reason: 'TICKET_MISSING',
      });
      const ticket = await requestTicket(app);
      const foreign = await openOk(`${wsUrl(app)}?ticket=${ticket}`, { headers: { origin: FOREIGN_ORIGIN } });
      await expect(closed(foreign)).resolves.toEqual({ code: 4403, reason: 'ORIGIN_NOT_ALLOWED' });
      expect(handler).not.toHaveBeenCalled();

      const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`);
      expect(socket.readyState).toBe(socket.OPEN);
      expect(handler).toHaveBeenCalledTimes(1);
    });
  });
});
