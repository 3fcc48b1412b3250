import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsGateModule, type TicketSubject } from '../src/index.js';
import { connect, createApp, ORIGIN, PLATFORMS, post, type TestApp } from './support.js';

interface HeaderRequest {
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Test authentication: `x-user` names the user, `x-session` the session. */
function authenticate(request: HeaderRequest): TicketSubject | undefined {
  const user = request.headers['x-user'];
  const session = request.headers['x-session'];
  if (typeof user !== 'string' || user === '') return undefined;
  return {
    subject: user,
    sessionId: typeof session === 'string' ? session : undefined,
    claims: { roles: ['member'] },
  };
}

describe.each(PLATFORMS)('ready-made ticket route on the %s platform', (platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp({
      platform,
      module: [
        WsGateModule.forRootAsync({
          useFactory: () => ({
            origins: { allow: [ORIGIN] },
            ticketRoute: {
              authenticate: (request: HeaderRequest) => authenticate(request),
              perSession: { max: 3, windowMs: 60_000 },
            },
          }),
          ticketRoute: { path: '/auth/ws-ticket' },
        }),
      ],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('issues {"ticket","expiresAt"} with Cache-Control: no-store; the ticket opens a socket', async () => {
    const before = Date.now();
    const response = await post(t.port, '/auth/ws-ticket', {
      'x-user': 'erin',
      'x-session': 'e1',
      origin: ORIGIN,
    });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(response.json as object).sort()).toEqual(['expiresAt', 'ticket']);
    const { ticket, expiresAt } = response.json as { ticket: string; expiresAt: number };
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30_000);
    const { welcome, client } = await connect(t.wsUrl('/ws', `ticket=${ticket}`), { origin: ORIGIN });
    expect(welcome).toEqual({ type: 'welcome', user: 'erin', roles: ['member'] });
    client.socket.close();
  });

  it('refuses a foreign Origin with 403 {"error":"ORIGIN_NOT_ALLOWED"} and no-store', async () => {
    for (const origin of ['http://evil.example', 'null']) {
      const response = await post(t.port, '/auth/ws-ticket', { 'x-user': 'erin', 'x-session': 'e2', origin });
      expect(response.status, origin).toBe(403);
      expect(response.json).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('refuses an unauthenticated request with 401 {"error":"UNAUTHENTICATED"}', async () => {
    const response = await post(t.port, '/auth/ws-ticket');
    expect(response.status).toBe(401);
    expect(response.json).toEqual({ error: 'UNAUTHENTICATED' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('rate-limits per session with @nestjs/throttler: 429 {"error":"RATE_LIMITED"} past the limit, other sessions unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await post(t.port, '/auth/ws-ticket', { 'x-user': 'finn', 'x-session': 'f1' })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await post(t.port, '/auth/ws-ticket', { 'x-user': 'finn', 'x-session': 'f1' });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['cache-control']).toBe('no-store');
    expect((await post(t.port, '/auth/ws-ticket', { 'x-user': 'finn', 'x-session': 'f2' })).status).toBe(200);
  });
});

describe('the ticket route per-address guard', () => {
  let t: TestApp;
  let authenticated = 0;
  beforeAll(async () => {
    t = await createApp({
      module: [
        WsGateModule.forRoot({
          origins: { allow: [ORIGIN] },
          ticketRoute: {
            authenticate: (request: HeaderRequest) => {
              authenticated += 1;
              return authenticate(request);
            },
            perSession: false,
            perAddress: { max: 3, windowMs: 60_000 },
          },
        }),
      ],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts every request of an address in front of authenticate: 429 past the limit, authenticate not called', async () => {
    const statuses: number[] = [];
    statuses.push((await post(t.port, '/ws-ticket')).status);
    for (let i = 0; i < 2; i += 1)
      statuses.push((await post(t.port, '/ws-ticket', { 'x-user': 'gail', 'x-session': `g${i}` })).status);
    expect(statuses).toEqual([401, 200, 200]);
    const limited = await post(t.port, '/ws-ticket', { 'x-user': 'gail', 'x-session': 'g9' });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: 'RATE_LIMITED' });
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(authenticated).toBe(3);
  });
});
