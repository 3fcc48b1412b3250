// HTTP side of the demo protocol: health, demo page, login, session cookie, tickets, logout.
import { describe, expect, it } from 'vitest';
import { connect, expectRefused, expectServerStillServes, expectWhoami } from './support/actors.js';
import {
  issueTicket,
  login,
  loginAs,
  logout,
  parseSetCookie,
  request,
  requestTicket,
  sidCookie,
} from './support/http.js';
import { isRecord } from 'test-support/json';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import { TICKET_PATTERN } from './support/messages.js';
import { foreignOrigins } from './support/origins.js';
import { openSocket, presentTicket } from 'test-support/ws-client';

const DEFAULT_TTL_MS = 30_000;
const TICKETS_PER_MINUTE = 30;

describe.each(SAMPLES)('%s: HTTP endpoints', (sampleName) => {
  const sample = useSample(sampleName);

  describe('GET /healthz and GET /', () => {
    it('GET /healthz answers 200 {"status":"ok"}', async () => {
      const response = await request(sample(), 'GET', '/healthz');
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ status: 'ok' });
    });

    it('GET / serves the demo page as text/html', async () => {
      const response = await request(sample(), 'GET', '/');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html\b/);
      expect(response.text).toMatch(/<html[\s>]/i);
    });
  });

  describe('POST /login', () => {
    it('logs alice in: 200 {"user":{"id":"alice","roles":["admin"]}} with a sid cookie', async () => {
      const response = await login(sample(), { username: 'alice', password: 'alice-password' });
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ user: { id: 'alice', roles: ['admin'] } });
      expect(sidCookie(response)?.value).toMatch(/^\S+$/);
    });

    it('logs bob in: 200 {"user":{"id":"bob","roles":["member"]}}', async () => {
      const response = await login(sample(), { username: 'bob', password: 'bob-password' });
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ user: { id: 'bob', roles: ['member'] } });
    });

    it('sets the sid cookie HttpOnly, SameSite=Strict, Path=/', async () => {
      const response = await login(sample(), { username: 'alice', password: 'alice-password' });
      const sid = response.setCookies.map(parseSetCookie).filter((cookie) => cookie.name === 'sid');
      expect(sid).toHaveLength(1);
      const attributes = sid[0]!.attributes;
      expect(attributes.get('httponly')).toBe(true);
      expect(String(attributes.get('samesite')).toLowerCase()).toBe('strict');
      expect(attributes.get('path')).toBe('/');
    });

    it('starts a new session on every login, also when a session cookie is sent (no fixation)', async () => {
      const first = await loginAs(sample(), 'alice');
      const second = await loginAs(sample(), 'alice');
      const third = await loginAs(sample(), 'alice', { cookie: first.cookie });
      expect(new Set([first.sid, second.sid, third.sid]).size).toBe(3);
    });

    it('refuses a wrong password with 401 {"error":"INVALID_CREDENTIALS"} and no cookie', async () => {
      const response = await login(sample(), { username: 'alice', password: 'bob-password' });
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ error: 'INVALID_CREDENTIALS' });
      expect(sidCookie(response)?.value ?? '').toBe('');
    });

    it('refuses an unknown user exactly like a wrong password', async () => {
      const response = await login(sample(), { username: 'mallory', password: 'alice-password' });
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ error: 'INVALID_CREDENTIALS' });
      expect(sidCookie(response)?.value ?? '').toBe('');
    });

    it('refuses malformed and type-confused login bodies (400 or 401) without a cookie', async () => {
      const bodies: unknown[] = [
        {},
        { username: 'alice' },
        { password: 'alice-password' },
        { username: 'alice', password: 5 },
        { username: 'alice', password: { $ne: null } },
        { username: ['alice'], password: 'alice-password' },
        { username: 'alice', password: ['alice-password'] },
        null,
        'alice',
      ];
      for (const body of bodies) {
        const response = await login(sample(), body);
        expect([400, 401], `status for ${JSON.stringify(body)}`).toContain(response.status);
        expect(sidCookie(response)?.value ?? '', `cookie for ${JSON.stringify(body)}`).toBe('');
      }
      await expectServerStillServes(sample());
    });
  });

  describe('POST /ws-ticket', () => {
    it('issues {"ticket","expiresAt"}: 43-char base64url, epoch ms ≈ now + 30 s, Cache-Control: no-store', async () => {
      const session = await loginAs(sample(), 'alice');
      const before = Date.now();
      const response = await requestTicket(sample(), session.cookie);
      const after = Date.now();
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json\b/);
      expect(response.headers['cache-control']).toMatch(/(?:^|,)\s*no-store\s*(?:,|$)/);
      expect(isRecord(response.json)).toBe(true);
      if (!isRecord(response.json)) return;
      expect(Object.keys(response.json).sort()).toEqual(['expiresAt', 'ticket']);
      expect(response.json['ticket']).toMatch(TICKET_PATTERN);
      const expiresAt = response.json['expiresAt'];
      expect(typeof expiresAt).toBe('number');
      expect(Number.isInteger(expiresAt)).toBe(true);
      expect(expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_TTL_MS - 1_000);
      expect(expiresAt).toBeLessThanOrEqual(after + DEFAULT_TTL_MS + 1_000);
    });

    it('issues a different ticket on every request', async () => {
      const session = await loginAs(sample(), 'alice');
      const tickets = [];
      for (let i = 0; i < 5; i += 1) tickets.push(await issueTicket(sample(), session));
      expect(new Set(tickets).size).toBe(5);
    });

    it('refuses a request without a session cookie: 401 {"error":"UNAUTHENTICATED"}', async () => {
      const response = await requestTicket(sample(), undefined);
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ error: 'UNAUTHENTICATED' });
    });

    it('refuses forged and tampered session cookies with 401 UNAUTHENTICATED', async () => {
      const session = await loginAs(sample(), 'alice');
      const last = session.sid.at(-1) === 'A' ? 'B' : 'A';
      const cookies = [
        'sid=forged',
        'sid=',
        `sid=${session.sid.slice(0, -1)}${last}`,
        `sid=${session.sid}x`,
        `SID=${session.sid}x`,
      ];
      for (const cookie of cookies) {
        const response = await requestTicket(sample(), cookie);
        expect(response.status, cookie).toBe(401);
        expect(response.json, cookie).toEqual({ error: 'UNAUTHENTICATED' });
      }
      await expectServerStillServes(sample());
    });

    it('accepts the default allowed Origins http://127.0.0.1:PORT and http://localhost:PORT', async () => {
      const session = await loginAs(sample(), 'alice');
      for (const origin of [sample().origin, sample().altOrigin]) {
        const response = await requestTicket(sample(), session.cookie, { origin });
        expect(response.status, origin).toBe(200);
        expect(isRecord(response.json) && response.json['ticket'], origin).toMatch(TICKET_PATTERN);
      }
    });

    it('refuses foreign, look-alike and "null" Origins with 403 {"error":"ORIGIN_NOT_ALLOWED"}', async () => {
      const session = await loginAs(sample(), 'alice');
      for (const origin of foreignOrigins(sample())) {
        const response = await requestTicket(sample(), session.cookie, { origin });
        expect(response.status, origin).toBe(403);
        expect(response.json, origin).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
      }
      await expectServerStillServes(sample());
    });

    it('rate-limits a session to 30 tickets per minute (the 31st is 429); other sessions are unaffected', async () => {
      const limited = await loginAs(sample(), 'bob');
      const statuses = [];
      for (let i = 0; i < TICKETS_PER_MINUTE; i += 1)
        statuses.push((await requestTicket(sample(), limited.cookie)).status);
      expect(statuses).toEqual(Array.from({ length: TICKETS_PER_MINUTE }, () => 200));
      const refused = await requestTicket(sample(), limited.cookie);
      expect(refused.status).toBe(429);
      expect(refused.json).toEqual({ error: 'RATE_LIMITED' });
      expect(refused.text).not.toMatch(/[A-Za-z0-9_-]{43}/);
      const other = await loginAs(sample(), 'bob');
      expect((await requestTicket(sample(), other.cookie)).status).toBe(200);
      await expectServerStillServes(sample());
    });
  });

  describe('POST /logout', () => {
    it("answers 204, closes the session's sockets with 4401 within 1 s and issues no more tickets to its cookie", async () => {
      const session = await loginAs(sample(), 'alice');
      const first = await connect(sample(), 'alice', { session });
      const second = await connect(sample(), 'alice', { session, via: 'subprotocol' });
      const response = await logout(sample(), session.cookie);
      expect(response.status).toBe(204);
      const [firstClose, secondClose] = await Promise.all([
        first.client.waitForClose(1_000),
        second.client.waitForClose(1_000),
      ]);
      expect(firstClose.code).toBe(4401);
      expect(secondClose.code).toBe(4401);
      const ticket = await requestTicket(sample(), session.cookie);
      expect(ticket.status).toBe(401);
      expect(ticket.json).toEqual({ error: 'UNAUTHENTICATED' });
    });

    it("leaves the same user's other sessions and their sockets alone", async () => {
      const ended = await connect(sample(), 'alice');
      const kept = await connect(sample(), 'alice');
      expect((await logout(sample(), ended.session.cookie)).status).toBe(204);
      expect((await ended.client.waitForClose(1_000)).code).toBe(4401);
      expect(kept.client.isOpen).toBe(true);
      await expectWhoami(kept.client, 'alice');
      expect((await requestTicket(sample(), kept.session.cookie)).status).toBe(200);
    });

    it('refuses (401) a ticket that was issued before logout and not yet used', async () => {
      const session = await loginAs(sample(), 'alice');
      const ticket = await issueTicket(sample(), session);
      expect((await logout(sample(), session.cookie)).status).toBe(204);
      expectRefused(await openSocket(sample(), presentTicket(ticket)), 401, ticket);
      await expectServerStillServes(sample());
    });

    it('answers 204 without a session and for an already ended session (idempotent)', async () => {
      expect((await logout(sample(), undefined)).status).toBe(204);
      const session = await loginAs(sample(), 'bob');
      expect((await logout(sample(), session.cookie)).status).toBe(204);
      expect((await logout(sample(), session.cookie)).status).toBe(204);
      expect((await requestTicket(sample(), session.cookie)).status).toBe(401);
    });
  });

  itKeepsSecretsOutOfLogs(sample);
});
