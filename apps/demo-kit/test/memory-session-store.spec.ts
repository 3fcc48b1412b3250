import { afterEach, describe, expect, it } from 'vitest';
import { MemorySessionStore, sessionIdOf, type DemoUser, type SessionLimits } from '../src/index.js';

const ALICE: DemoUser = { id: 'alice', roles: ['admin'] };
const BOB: DemoUser = { id: 'bob', roles: ['member'] };
const LIMITS: SessionLimits = { perUser: 3, idleMs: 1_000, maxAgeMs: 5_000 };

describe('MemorySessionStore', () => {
  let now = 0;
  const stores: MemorySessionStore[] = [];
  function store(limits: SessionLimits = LIMITS): MemorySessionStore {
    now = 1_000_000;
    const created = new MemorySessionStore({ limits, clock: () => now });
    stores.push(created);
    return created;
  }
  afterEach(() => {
    for (const created of stores.splice(0)) created.close();
  });

  it('keys a session by the one-way id of its token, never by the token', async () => {
    const sessions = store();
    const { token, session, evicted } = await sessions.create(ALICE);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.id).toBe(sessionIdOf(token));
    expect(session.id).not.toContain(token);
    expect(evicted).toEqual([]);
    expect(await sessions.byToken(token)).toEqual(session);
    expect(await sessions.activeUser(session.id)).toBeDefined();
  });

  it("ends the user's oldest session beyond the bound, never another user's", async () => {
    const sessions = store();
    const bob = await sessions.create(BOB);
    const alice = [];
    for (let i = 0; i < LIMITS.perUser; i += 1) alice.push(await sessions.create(ALICE));
    const extra = await sessions.create(ALICE);
    expect(extra.evicted).toEqual([alice[0]!.session.id]);
    expect(await sessions.byToken(alice[0]!.token)).toBeUndefined();
    expect(await sessions.activeUser(alice[0]!.session.id)).toBeUndefined();
    for (const kept of [...alice.slice(1), extra]) expect(await sessions.byToken(kept.token)).toBeDefined();
    expect(await sessions.byToken(bob.token)).toEqual(bob.session);
    expect(sessions.size).toBe(LIMITS.perUser + 1);
  });

  it('holds at most perUser sessions per user however many logins there are', async () => {
    const sessions = store();
    for (let i = 0; i < 1_000; i += 1) await sessions.create(i % 2 === 0 ? ALICE : BOB);
    expect(sessions.size).toBe(2 * LIMITS.perUser);
  });

  it('ends a session idle for idleMs; a use moves the idle deadline', async () => {
    const sessions = store();
    const used = await sessions.create(ALICE);
    const idle = await sessions.create(ALICE);
    now += LIMITS.idleMs - 1;
    expect(await sessions.byToken(used.token)).toBeDefined();
    expect(await sessions.activeUser(idle.session.id)).toBeDefined();
    now += 1;
    expect(await sessions.activeUser(idle.session.id)).toBeUndefined();
    expect(await sessions.byToken(idle.token)).toBeUndefined();
    expect(await sessions.byToken(used.token)).toBeDefined();
  });

  it('ends a session maxAgeMs after its login, however often it is used', async () => {
    const sessions = store();
    const created = await sessions.create(ALICE);
    for (let elapsed = 0; elapsed < LIMITS.maxAgeMs - 500; elapsed += 500) {
      now += 500;
      expect(await sessions.byToken(created.token), `after ${elapsed + 500} ms`).toBeDefined();
    }
    now = created.session.createdAt + LIMITS.maxAgeMs;
    expect(await sessions.byToken(created.token)).toBeUndefined();
  });

  it('ends a session once (end is idempotent) and frees its place under the bound', async () => {
    const sessions = store({ ...LIMITS, perUser: 1 });
    const first = await sessions.create(ALICE);
    expect(await sessions.end(first.token)).toEqual(first.session);
    expect(await sessions.end(first.token)).toBeUndefined();
    expect((await sessions.create(ALICE)).evicted).toEqual([]);
  });
});
