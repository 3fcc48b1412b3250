import { describe, expect, it } from 'vitest';
import {
  DemoAuth,
  MemorySessionStore,
  SessionStoreUnavailableError,
  sessionIdOf,
  type DemoLogger,
  type SessionRevoker,
  type SessionStore,
} from '../src/index.js';

const LIMITS = { perUser: 2, idleMs: 60_000, maxAgeMs: 120_000 };
const silent: DemoLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const JSON_TYPE = 'application/json';

/** Records what the flows asked to revoke, in order. */
class RecordingRevoker implements SessionRevoker {
  readonly calls: string[] = [];
  closeLocal(sessionId: string): void {
    this.calls.push(`local:${sessionId}`);
  }
  async revoke(sessionId: string): Promise<void> {
    this.calls.push(`everywhere:${sessionId}`);
  }
}

/** A store whose `end` fails like Redis being down. */
function unreachableOnEnd(store: SessionStore): SessionStore {
  return {
    create: (user) => store.create(user),
    byToken: (token) => store.byToken(token),
    activeUser: (id) => store.activeUser(id),
    end: () => Promise.reject(new SessionStoreUnavailableError(new Error('connect ECONNREFUSED'))),
    close: () => store.close(),
  };
}

describe('DemoAuth', () => {
  it('checks a session with its current roles as claims, and ends with false', async () => {
    const store = new MemorySessionStore({ limits: LIMITS });
    const auth = new DemoAuth(store, new RecordingRevoker(), silent);
    const login = await auth.login({
      contentType: JSON_TYPE,
      body: { username: 'alice', password: 'alice-password' },
    });
    const sessionId = sessionIdOf(login.sessionToken ?? '');
    expect(await auth.isSessionActive(sessionId)).toEqual({ claims: { roles: ['admin'] } });
    await auth.logout(login.sessionToken);
    expect(await auth.isSessionActive(sessionId)).toBe(false);
    expect(await auth.isSessionActive(undefined)).toBe(false);
    store.close();
  });

  it('logs in with application/json only: any other Content-Type is 415 without a session', async () => {
    const store = new MemorySessionStore({ limits: LIMITS });
    const auth = new DemoAuth(store, new RecordingRevoker(), silent);
    const body = { username: 'alice', password: 'alice-password' };
    for (const contentType of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const answer = await auth.login({ contentType, body });
      expect(answer, String(contentType)).toEqual({ status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
    expect(store.size).toBe(0);
    const ok = await auth.login({ contentType: 'application/json; charset=utf-8', body });
    expect(ok).toMatchObject({ status: 200, body: { user: { id: 'alice', roles: ['admin'] } } });
    store.close();
  });

  it("revokes (everywhere) the sessions a login evicts, and only the user's own", async () => {
    const store = new MemorySessionStore({ limits: LIMITS });
    const revoker = new RecordingRevoker();
    const auth = new DemoAuth(store, revoker, silent);
    const tokens: string[] = [];
    for (const username of ['alice', 'bob', 'alice', 'alice']) {
      const answer = await auth.login({
        contentType: JSON_TYPE,
        body: { username, password: `${username}-password` },
      });
      tokens.push(answer.sessionToken!);
    }
    expect(revoker.calls).toEqual([`everywhere:${sessionIdOf(tokens[0]!)}`]);
    expect(await auth.ticketSubject(tokens[1])).toMatchObject({ subject: 'bob' });
    store.close();
  });

  it('closes the local sockets before touching the store, and answers 503 (cookie kept) when the store is down', async () => {
    const store = new MemorySessionStore({ limits: LIMITS });
    const revoker = new RecordingRevoker();
    const login = await new DemoAuth(store, revoker, silent).login({
      contentType: JSON_TYPE,
      body: { username: 'bob', password: 'bob-password' },
    });
    const auth = new DemoAuth(unreachableOnEnd(store), revoker, silent);
    const answer = await auth.logout(login.sessionToken);
    expect(answer).toEqual({ status: 503, body: { error: 'SERVICE_UNAVAILABLE' }, clearCookie: false });
    expect(revoker.calls).toEqual([`local:${sessionIdOf(login.sessionToken!)}`]);
    store.close();
  });

  it('answers 204 to a logout without (or with a malformed) cookie and revokes nothing', async () => {
    const store = new MemorySessionStore({ limits: LIMITS });
    const revoker = new RecordingRevoker();
    const auth = new DemoAuth(store, revoker, silent);
    for (const cookie of [undefined, '', 'forged', 42])
      expect(await auth.logout(cookie)).toEqual({ status: 204, clearCookie: true });
    expect(revoker.calls).toEqual([]);
    store.close();
  });
});
