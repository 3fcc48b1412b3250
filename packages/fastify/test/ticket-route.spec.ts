import { TICKET_LENGTH } from '@wsgate/core';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { TicketRouteOptions } from '../src/index.js';
import {
  ALLOWED_ORIGIN,
  buildTestApp,
  FOREIGN_ORIGIN,
  registerDefaultRoutes,
  userFromHeaders,
  wsUrl,
} from './support/app.js';
import { nextMessage, openOk } from './support/sockets.js';
import { fakeClock, SwitchableStore } from './support/stores.js';

function postTicket(app: FastifyInstance, headers: Record<string, string> = {}, url = '/ws-ticket') {
  return app.inject({
    method: 'POST',
    url,
    headers: { origin: ALLOWED_ORIGIN, 'x-test-user': 'alice', ...headers },
  });
}

async function routeApp(ticketRoute: Partial<TicketRouteOptions> = {}, plugin = {}) {
  return buildTestApp({
    listen: false,
    plugin: {
      ...plugin,
      ticketRoute: { authenticate: userFromHeaders, perSession: false, perAddress: false, ...ticketRoute },
    },
  });
}

describe('ticket route', () => {
  it('answers 200 { ticket, expiresAt } with Cache-Control: no-store, and the ticket opens a socket', async () => {
    const time = fakeClock();
    const app = await buildTestApp({ plugin: { tickets: { ttlMs: 10_000, clock: time.clock } } });
    const response = await postTicket(app);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as { ticket: string; expiresAt: number };
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'ticket']);
    expect(body.ticket).toMatch(new RegExp(`^[A-Za-z0-9_-]{${TICKET_LENGTH}}$`));
    expect(body.expiresAt).toBe(time.now + 10_000);
    const socket = await openOk(`${wsUrl(app)}?ticket=${body.ticket}`);
    await expect(nextMessage(socket)).resolves.toMatchObject({ subject: 'alice' });
  });

  it('serves a custom path, POST only', async () => {
    const app = await routeApp({ path: '/auth/ws-ticket' });
    expect((await postTicket(app, {}, '/auth/ws-ticket')).statusCode).toBe(200);
    expect((await postTicket(app)).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/auth/ws-ticket', headers: { 'x-test-user': 'alice' } }))
        .statusCode,
    ).toBe(404);
  });

  it.each([null, undefined])(
    'answers 401 UNAUTHENTICATED with no-store when authenticate returns %s',
    async (nobody) => {
      const app = await routeApp({ authenticate: async () => nobody });
      const response = await postTicket(app);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: 'UNAUTHENTICATED' });
      expect(response.headers['cache-control']).toBe('no-store');
    },
  );

  it('answers 403 ORIGIN_NOT_ALLOWED for a foreign Origin, without authenticating or storing a ticket', async () => {
    const store = new SwitchableStore();
    const authenticate = vi.fn(userFromHeaders);
    const app = await routeApp({ authenticate }, { tickets: { store } });
    const response = await postTicket(app, { origin: FOREIGN_ORIGIN });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(authenticate).not.toHaveBeenCalled();
    expect(store.puts).toBe(0);
    expect(store.inner.size).toBe(0);
  });

  it('answers 403 INSECURE_TRANSPORT over plain HTTP under requireSecure, without authenticating', async () => {
    const authenticate = vi.fn(userFromHeaders);
    const app = await routeApp({ authenticate }, { transport: { requireSecure: true } });
    const response = await postTicket(app);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'INSECURE_TRANSPORT' });
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('answers 429 RATE_LIMITED with Retry-After past perSession.max, per session (per subject without one)', async () => {
    const app = await routeApp({ perSession: { max: 3, windowMs: 60_000 } });
    const session = { 'x-test-session': 'laptop' };
    for (let index = 0; index < 3; index += 1) expect((await postTicket(app, session)).statusCode).toBe(200);
    const limited = await postTicket(app, session);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: 'RATE_LIMITED' });
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another session of the same user, and another user, still get tickets.
    expect((await postTicket(app, { 'x-test-session': 'phone' })).statusCode).toBe(200);
    expect((await postTicket(app, { 'x-test-user': 'bob', 'x-test-session': 'bob-laptop' })).statusCode).toBe(
      200,
    );
    // Without a session, the count is the subject's.
    for (let index = 0; index < 3; index += 1)
      expect((await postTicket(app, { 'x-test-user': 'carol' })).statusCode).toBe(200);
    expect((await postTicket(app, { 'x-test-user': 'carol' })).statusCode).toBe(429);
    // The limit is the ticket route's own: the rest of the app is not rate limited.
    for (let index = 0; index < 5; index += 1)
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('rate limits by default: 30 tickets per minute per session, counted after authentication', async () => {
    const app = await buildTestApp({
      listen: false,
      plugin: { ticketRoute: { authenticate: userFromHeaders } },
    });
    const answers = [];
    for (let index = 0; index < 31; index += 1)
      answers.push((await postTicket(app, { 'x-test-session': 'one' })).statusCode);
    expect(answers.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(answers[30]).toBe(429);
    expect((await postTicket(app, { 'x-test-session': 'two' })).statusCode).toBe(200);
  });

  it('guards against unauthenticated floods per client address, in front of authenticate', async () => {
    const authenticate = vi.fn(() => null);
    const app = await routeApp({ authenticate, perAddress: { max: 5, windowMs: 60_000 } });
    const responses = [];
    for (let index = 0; index < 7; index += 1) responses.push(await postTicket(app));
    expect(responses.map((response) => response.statusCode)).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(responses[6]?.json()).toEqual({ error: 'RATE_LIMITED' });
    expect(responses[6]?.headers['cache-control']).toBe('no-store');
    expect(authenticate).toHaveBeenCalledTimes(5);
  });

  it.each([
    ['a form', 'application/x-www-form-urlencoded', 'a=1', 415],
    ['multipart', 'multipart/form-data; boundary=x', '--x--', 415],
    ['broken JSON', 'application/json', '{"a":', 400],
  ])(
    'answers a body it does not take (%s) with %i, never 500, and logs no stack',
    async (_name, type, body, status) => {
      const app = await routeApp();
      const response = await app.inject({
        method: 'POST',
        url: '/ws-ticket',
        headers: { origin: ALLOWED_ORIGIN, 'x-test-user': 'alice', 'content-type': type },
        payload: body,
      });
      expect(response.statusCode).toBe(status);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(JSON.stringify(response.json())).not.toContain('a=1');
    },
  );

  it('answers 503 SERVICE_UNAVAILABLE when the store rejects, and keeps serving', async () => {
    const store = new SwitchableStore();
    const app = await routeApp({}, { tickets: { store } });
    store.putDown = true;
    const response = await postTicket(app);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: 'SERVICE_UNAVAILABLE' });
    expect(response.headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    store.putDown = false;
    expect((await postTicket(app)).statusCode).toBe(200);
  });

  it('answers 500 INTERNAL_ERROR with no details when authenticate throws', async () => {
    const app = await routeApp({
      authenticate: () => {
        throw new Error('database password is hunter2');
      },
    });
    const response = await postTicket(app);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'INTERNAL_ERROR' });
    expect(response.body).not.toContain('hunter2');
  });
});

describe('app.wsgate.issueTicket in a user route', () => {
  async function userRouteApp() {
    return buildTestApp({
      plugin: { ticketRoute: undefined },
      routes: (app) => {
        registerDefaultRoutes(app);
        app.post('/my-ticket', async (request, reply) => {
          const result = await app.wsgate.issueTicket(request, {
            subject: 'carol',
            sessionId: 'c1',
            claims: { roles: ['admin'] },
          });
          if (!result.ok) return reply.code(result.status).send({ error: result.code });
          return { ticket: result.ticket, expiresAt: result.expiresAt };
        });
      },
    });
  }

  it('issues a ticket that opens a socket for that user', async () => {
    const app = await userRouteApp();
    expect((await postTicket(app)).statusCode).toBe(404); // no ready-made route registered
    const response = await app.inject({
      method: 'POST',
      url: '/my-ticket',
      headers: { origin: ALLOWED_ORIGIN },
    });
    expect(response.statusCode).toBe(200);
    const { ticket } = response.json() as { ticket: string };
    const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`);
    await expect(nextMessage(socket)).resolves.toMatchObject({
      subject: 'carol',
      sessionId: 'c1',
      claims: { roles: ['admin'] },
    });
  });

  it('rejects with a 503 WsGateError when the store is down', async () => {
    const store = new SwitchableStore();
    const app = await buildTestApp({
      listen: false,
      plugin: { ticketRoute: undefined, tickets: { store } },
      routes: (instance) => {
        instance.post('/my-ticket', async (request) => {
          const result = await instance.wsgate
            .issueTicket(request, { subject: 'carol' })
            .catch((error: unknown) => error);
          return {
            code: (result as { code?: string }).code,
            statusCode: (result as { statusCode?: number }).statusCode,
          };
        });
      },
    });
    store.putDown = true;
    const response = await app.inject({
      method: 'POST',
      url: '/my-ticket',
      headers: { origin: ALLOWED_ORIGIN },
    });
    expect(response.json()).toEqual({ code: 'WSGATE_STORE_UNAVAILABLE', statusCode: 503 });
  });

  it('returns the 403 ORIGIN_NOT_ALLOWED result for a foreign Origin', async () => {
    const app = await userRouteApp();
    const response = await app.inject({
      method: 'POST',
      url: '/my-ticket',
      headers: { origin: FOREIGN_ORIGIN },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
  });
});
