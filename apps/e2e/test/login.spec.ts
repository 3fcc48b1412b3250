// POST /login against brute force, session flooding and login CSRF (issue 12, item 3), each
// block on its own sample process started with the protocol's default limits:
// LOGIN_LIMIT_PER_ADDRESS=20, LOGIN_LIMIT_PER_ACCOUNT=10 per LOGIN_LIMIT_WINDOW_MS=60000,
// SESSIONS_PER_USER=5. Every client address below is used by one test only, so the
// per-address counts of the tests stay apart.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_USERS } from 'test-support/demo-users';
import { describe, expect, it } from 'vitest';
import { connect, expectServerStillServes, expectWhoami } from './support/actors.js';
import { login, loginAs, postLogin, requestTicket, sidCookie, type HttpResponse } from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';

const PER_ADDRESS = 20;
const PER_ACCOUNT = 10;
const SESSIONS_PER_USER = 5;

/** Asserts the protocol's 429 for /login: `{"error":"RATE_LIMITED"}`, a `Retry-After`, no cookie. */
function expectRateLimited(response: HttpResponse): void {
  expect(response.status, response.text).toBe(429);
  expect(response.json).toEqual({ error: 'RATE_LIMITED' });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(sidCookie(response)?.value ?? '').toBe('');
}

describe.each(SAMPLES)('%s: POST /login', (sampleName) => {
  describe('rate limits (protocol defaults)', () => {
    const sample = useSample(sampleName, { loginLimits: 'protocol-defaults' });

    it(`refuses an account's attempt #${PER_ACCOUNT + 1} within a minute with 429, even with the right password; its session and other accounts are unaffected`, async () => {
      const from = { localAddress: '127.0.0.21' };
      const session = await loginAs(sample(), 'alice', from);
      for (let attempt = 2; attempt <= PER_ACCOUNT; attempt += 1) {
        const wrong = await login(sample(), { username: 'alice', password: `guess-${attempt}` }, from);
        expect(wrong.status, `attempt ${attempt}`).toBe(401);
      }
      expectRateLimited(
        await login(sample(), { username: 'alice', password: DEMO_USERS.alice.password }, from),
      );
      expectRateLimited(
        await login(
          sample(),
          { username: 'alice', password: DEMO_USERS.alice.password },
          { localAddress: '127.0.0.22' },
        ),
      );
      // Nothing lost: the session from before still gets tickets, another account still logs in.
      expect((await requestTicket(sample(), session.cookie)).status).toBe(200);
      await loginAs(sample(), 'bob', from);
    });

    it(`refuses attempt #${PER_ADDRESS + 1} from one client address within a minute with 429, whatever the account; other addresses are unaffected`, async () => {
      const from = { localAddress: '127.0.0.31' };
      for (let attempt = 1; attempt <= PER_ADDRESS; attempt += 1) {
        const response = await login(sample(), { username: `nobody-${attempt}`, password: 'x' }, from);
        expect(response.status, `attempt ${attempt}`).toBe(401);
      }
      expectRateLimited(await login(sample(), { username: 'bob', password: DEMO_USERS.bob.password }, from));
      const elsewhere = await loginAs(sample(), 'bob', { localAddress: '127.0.0.32' });
      await expectWhoami((await connect(sample(), 'bob', { session: elsewhere })).client, 'bob');
    });

    it('counts refused attempts (415, malformed fields) toward the address limit too', async () => {
      const from = { localAddress: '127.0.0.33' };
      const attempts = [
        () =>
          postLogin(sample(), 'username=bob&password=x', {
            ...from,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        () => login(sample(), { username: ['bob'], password: 'x' }, from),
        () => login(sample(), { username: 'bob' }, from),
      ];
      for (let attempt = 0; attempt < PER_ADDRESS; attempt += 1) {
        const response = await attempts[attempt % attempts.length]!();
        expect([400, 401, 415], `attempt ${attempt + 1}: ${response.text}`).toContain(response.status);
      }
      expectRateLimited(await login(sample(), { username: 'bob', password: DEMO_USERS.bob.password }, from));
      await expectServerStillServes(sample());
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('the address limit behind a trusted proxy (TRUST_PROXY=127.0.0.1, protocol defaults)', () => {
    const sample = useSample(sampleName, {
      loginLimits: 'protocol-defaults',
      env: { TRUST_PROXY: '127.0.0.1' },
    });

    it(`counts attempts whose X-Forwarded-For is no address against the proxy's address: #${PER_ADDRESS + 1} is 429 however the value varies; a client the proxy names is still served`, async () => {
      // From 127.0.0.1, the trusted proxy: what it forwards is believed, but `garbage-7`,
      // `300.1.2.7` or an empty value is no client address, and must not be a key of its own.
      const unparsable = (attempt: number): string =>
        [`garbage-${attempt}`, `300.1.2.${attempt}`, `unknown-${attempt}`, ''][attempt % 4] ?? '';
      for (let attempt = 1; attempt <= PER_ADDRESS; attempt += 1) {
        const response = await login(
          sample(),
          { username: `nobody-${attempt}`, password: 'x' },
          { headers: { 'x-forwarded-for': unparsable(attempt) } },
        );
        expect(response.status, `attempt ${attempt}`).toBe(401);
      }
      expectRateLimited(
        await login(
          sample(),
          { username: 'bob', password: DEMO_USERS.bob.password },
          { headers: { 'x-forwarded-for': 'garbage-once-more' } },
        ),
      );
      const named = await loginAs(sample(), 'bob', { headers: { 'x-forwarded-for': '127.0.0.41' } });
      expect((await requestTicket(sample(), named.cookie)).status).toBe(200);
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('JSON only (login CSRF)', () => {
    const sample = useSample(sampleName, { loginLimits: 'protocol-defaults' });

    it('refuses what a cross-site form can send (urlencoded, multipart, text/plain) with 415 and no session', async () => {
      const crossSite = { origin: 'http://evil.example', referer: 'http://evil.example/' };
      const forms: readonly (readonly [string, string])[] = [
        ['application/x-www-form-urlencoded', 'username=bob&password=bob-password'],
        [
          'multipart/form-data; boundary=b',
          '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nbob\r\n' +
            '--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nbob-password\r\n--b--\r\n',
        ],
        ['text/plain', JSON.stringify({ username: 'bob', password: DEMO_USERS.bob.password })],
      ];
      for (const [contentType, body] of forms) {
        const response = await postLogin(sample(), body, {
          headers: { ...crossSite, 'content-type': contentType },
          localAddress: '127.0.0.41',
        });
        expect(response.status, `${contentType}: ${response.text}`).toBe(415);
        expect(response.json, contentType).toEqual({ error: 'UNSUPPORTED_MEDIA_TYPE' });
        expect(sidCookie(response)?.value ?? '', contentType).toBe('');
      }
      // The same credentials as JSON (what the demo page sends) still log in.
      const json = await loginAs(sample(), 'bob');
      expect((await requestTicket(sample(), json.cookie)).status).toBe(200);
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe(`sessions per user (SESSIONS_PER_USER=${SESSIONS_PER_USER})`, () => {
    const sample = useSample(sampleName, { loginLimits: 'protocol-defaults' });

    it(`ends the user's oldest session at login #${SESSIONS_PER_USER + 1}: its socket closes with 4401, its cookie stops working; no other session is touched`, async () => {
      const bob = await connect(sample(), 'bob');
      const oldest = await connect(sample(), 'alice');
      const newer = [];
      for (let i = 1; i < SESSIONS_PER_USER; i += 1) newer.push(await loginAs(sample(), 'alice'));
      expect(oldest.client.isOpen, `${SESSIONS_PER_USER} sessions are allowed`).toBe(true);
      newer.push(await loginAs(sample(), 'alice'));

      expect((await oldest.client.waitForClose(1_000)).code).toBe(4401);
      const refused = await requestTicket(sample(), oldest.session.cookie);
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({ error: 'UNAUTHENTICATED' });
      for (const session of newer) expect((await requestTicket(sample(), session.cookie)).status).toBe(200);
      expect(bob.client.isOpen, "the other user's socket").toBe(true);
      await expectWhoami(bob.client, 'bob');
      expect((await requestTicket(sample(), bob.session.cookie)).status).toBe(200);
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('session lifetimes (SESSION_IDLE_MS=2000, SESSION_MAX_AGE_MS=5000)', () => {
    const IDLE_MS = 2_000;
    const MAX_AGE_MS = 5_000;
    const sample = useSample(sampleName, {
      env: { SESSION_IDLE_MS: String(IDLE_MS), SESSION_MAX_AGE_MS: String(MAX_AGE_MS) },
    });

    it('ends a session unused for SESSION_IDLE_MS: its cookie gets 401', async () => {
      const session = await loginAs(sample(), 'alice');
      expect((await requestTicket(sample(), session.cookie)).status).toBe(200);
      await sleep(IDLE_MS + 500);
      const refused = await requestTicket(sample(), session.cookie);
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({ error: 'UNAUTHENTICATED' });
    });

    it('keeps a session in use past SESSION_IDLE_MS, and ends it SESSION_MAX_AGE_MS after its login', async () => {
      const loggedInAt = Date.now();
      const session = await loginAs(sample(), 'bob');
      while (Date.now() - loggedInAt < IDLE_MS + 1_000) {
        await sleep(IDLE_MS / 4);
        expect((await requestTicket(sample(), session.cookie)).status).toBe(200);
      }
      await sleep(loggedInAt + MAX_AGE_MS + 500 - Date.now());
      expect((await requestTicket(sample(), session.cookie)).status).toBe(401);
    }, 20_000);

    itKeepsSecretsOutOfLogs(sample);
  });
});
