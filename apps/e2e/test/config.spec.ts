// The environment variables of the demo protocol, each against its own sample process:
// ALLOWED_ORIGINS, TRUST_PROXY, TLS_CERT_FILE/TLS_KEY_FILE, REQUIRE_SECURE, REDIS_URL.
import { describe, expect, it } from 'vitest';
import { connect, expectRefused, expectServerStillServes, expectWhoami } from './support/actors.js';
import { issueTicket, login, loginAs, parseSetCookie, request, requestTicket } from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useRedisCluster, useSample } from './support/lifecycle.js';
import { ofType } from './support/messages.js';
import { waitFor } from 'test-support/wait';
import { expectOpened, openSocket, presentTicket, refusalStatus } from 'test-support/ws-client';

const APP_ORIGIN = 'http://app.example:8080';
const OTHER_ORIGIN = 'https://other.example';

describe.each(SAMPLES)('%s: configuration', (sampleName) => {
  describe('ALLOWED_ORIGINS', () => {
    const sample = useSample(sampleName, { env: { ALLOWED_ORIGINS: `${APP_ORIGIN},${OTHER_ORIGIN}` } });

    it('issues tickets to the configured Origins only: the defaults are replaced, not merged', async () => {
      const session = await loginAs(sample(), 'alice');
      for (const origin of [APP_ORIGIN, OTHER_ORIGIN])
        expect((await requestTicket(sample(), session.cookie, { origin })).status, origin).toBe(200);
      for (const origin of [
        sample().origin,
        sample().altOrigin,
        'http://app.example',
        'http://other.example',
      ]) {
        const response = await requestTicket(sample(), session.cookie, { origin });
        expect(response.status, origin).toBe(403);
        expect(response.json, origin).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
      }
    });

    it('accepts upgrades from the configured Origins and refuses the default ones with 403', async () => {
      const session = await loginAs(sample(), 'bob');
      const ticket = await issueTicket(sample(), session, { origin: OTHER_ORIGIN });
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().origin }),
        403,
        ticket,
      );
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket), origin: OTHER_ORIGIN }),
      );
      await client.next(ofType('welcome'));
      const { client: viaApp } = await connect(sample(), 'alice', { origin: APP_ORIGIN });
      await expectWhoami(viaApp, 'alice');
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('TRUST_PROXY=127.0.0.1', () => {
    const sample = useSample(sampleName, { env: { TRUST_PROXY: '127.0.0.1' } });

    it('binds the ticket to the client address a trusted proxy reports in X-Forwarded-For', async () => {
      const session = await loginAs(sample(), 'alice');
      const forwarded = { 'x-forwarded-for': '127.0.0.5' };
      const ticket = await issueTicket(sample(), session, { headers: forwarded });
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket), headers: forwarded }),
      );
      await client.next(ofType('welcome'));
      const moved = await issueTicket(sample(), session, { headers: forwarded });
      expectRefused(
        await openSocket(sample(), { ...presentTicket(moved), headers: { 'x-forwarded-for': '127.0.0.6' } }),
        401,
        moved,
      );
      await expectServerStillServes(sample());
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const session = await loginAs(sample(), 'alice');
      const forwarded = { 'x-forwarded-for': '127.0.0.5' };
      const ticket = await issueTicket(sample(), session, { headers: forwarded });
      const result = await openSocket(sample(), {
        ...presentTicket(ticket),
        headers: forwarded,
        localAddress: '127.0.0.2',
      });
      expectRefused(result, 401, ticket);
      await expectServerStillServes(sample());
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('TLS_CERT_FILE + TLS_KEY_FILE', () => {
    const sample = useSample(sampleName, { tls: true });

    it('serves https and sets the session cookie Secure, HttpOnly, SameSite=Strict, Path=/', async () => {
      expect(sample().httpBase).toMatch(/^https:/);
      const health = await request(sample(), 'GET', '/healthz');
      expect(health.status).toBe(200);
      expect(health.json).toEqual({ status: 'ok' });
      const response = await login(sample(), { username: 'alice', password: 'alice-password' });
      expect(response.status).toBe(200);
      const sid = response.setCookies.map(parseSetCookie).find((cookie) => cookie.name === 'sid');
      expect(sid?.attributes.get('secure')).toBe(true);
      expect(sid?.attributes.get('httponly')).toBe(true);
      expect(String(sid?.attributes.get('samesite')).toLowerCase()).toBe('strict');
      expect(sid?.attributes.get('path')).toBe('/');
    });

    it('serves wss: a ticket opens a socket that gets the welcome and answers whoami', async () => {
      const { client, welcome } = await connect(sample(), 'bob', { via: 'subprotocol' });
      expect(welcome.message).toEqual({ type: 'welcome', user: 'bob', roles: ['member'] });
      expect(client.protocol).toBe('wsgate');
      await expectWhoami(client, 'bob');
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('REQUIRE_SECURE=true behind TRUST_PROXY=127.0.0.1', () => {
    const sample = useSample(sampleName, { env: { REQUIRE_SECURE: 'true', TRUST_PROXY: '127.0.0.1' } });
    const viaTlsProxy = { 'x-forwarded-proto': 'https' };

    it('refuses a plain-HTTP upgrade with a 4xx before the upgrade', async () => {
      const session = await loginAs(sample(), 'alice', { headers: viaTlsProxy });
      const ticket = await issueTicket(sample(), session, { headers: viaTlsProxy });
      const status = refusalStatus(await openSocket(sample(), presentTicket(ticket)));
      expect(typeof status === 'number' && status >= 400 && status < 500, `outcome: ${String(status)}`).toBe(
        true,
      );
      const spoofed = await issueTicket(sample(), session, { headers: viaTlsProxy });
      const fromUntrusted = refusalStatus(
        await openSocket(sample(), {
          ...presentTicket(spoofed),
          headers: viaTlsProxy,
          localAddress: '127.0.0.2',
        }),
      );
      expect(
        typeof fromUntrusted === 'number' && fromUntrusted >= 400 && fromUntrusted < 500,
        `outcome: ${String(fromUntrusted)}`,
      ).toBe(true);
    });

    it('accepts the upgrade when a trusted proxy reports TLS (X-Forwarded-Proto: https)', async () => {
      const session = await loginAs(sample(), 'bob', { headers: viaTlsProxy });
      const ticket = await issueTicket(sample(), session, { headers: viaTlsProxy });
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket), headers: viaTlsProxy }),
      );
      await client.next(ofType('welcome'));
      await expectWhoami(client, 'bob');
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('REDIS_URL (two instances sharing one Redis)', () => {
    const {
      redis,
      instances: [first, second],
    } = useRedisCluster(sampleName);

    it('redeems on instance B a ticket issued by instance A, exactly once across both', async () => {
      const session = await loginAs(first(), 'alice');
      const ticket = await issueTicket(first(), session);
      second().remember(ticket, 'ticket');
      const client = expectOpened(await openSocket(second(), presentTicket(ticket)));
      expect((await client.next(ofType('welcome'))).message).toEqual({
        type: 'welcome',
        user: 'alice',
        roles: ['admin'],
      });
      expectRefused(await openSocket(first(), presentTicket(ticket)), 401, ticket);
      expectRefused(await openSocket(second(), presentTicket(ticket, 'subprotocol')), 401, ticket);
      await expectServerStillServes(first());
      await expectServerStillServes(second());
    });

    it('stores tickets in Redis without ever sending a raw ticket to it', async () => {
      const before = redis().monitorLines.length;
      const session = await loginAs(second(), 'bob');
      const ticket = await issueTicket(second(), session);
      first().remember(ticket, 'ticket');
      const client = expectOpened(await openSocket(first(), presentTicket(ticket, 'subprotocol')));
      await client.next(ofType('welcome'));
      await waitFor(() => redis().monitorLines.length > before, 2_000);
      expect(redis().monitorLines.length, 'the samples sent commands to Redis').toBeGreaterThan(before);
      const tickets = [...first().secretsOfKind('ticket'), ...second().secretsOfKind('ticket')];
      expect(tickets.length).toBeGreaterThanOrEqual(2);
      const leaked = redis().monitorLines.filter((line) => tickets.some((t) => line.includes(t)));
      expect(leaked, 'Redis commands containing a raw ticket').toEqual([]);
    });

    itKeepsSecretsOutOfLogs(first, ' (instance A)');
    itKeepsSecretsOutOfLogs(second, ' (instance B)');
  });
});
