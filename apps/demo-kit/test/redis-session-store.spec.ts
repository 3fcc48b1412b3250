// The Redis session store and the demo's Redis connection against a real redis-server.
import { createIoRedisCommand } from '@wsgate/redis-store';
import { Redis } from 'ioredis';
import { RedisServer } from 'test-support/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDemoBackend,
  readDemoConfig,
  RedisSessionStore,
  type DemoLogger,
  type SessionLimits,
} from '../src/index.js';

const ALICE = { id: 'alice', roles: ['admin'] };
const BOB = { id: 'bob', roles: ['member'] };
const LIMITS: SessionLimits = { perUser: 2, idleMs: 60_000, maxAgeMs: 600_000 };
const silent: DemoLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('RedisSessionStore (real redis-server)', () => {
  let redis: RedisServer;
  let client: Redis;
  let now = 1_000_000;
  let store: RedisSessionStore;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new Redis(redis.url);
    store = new RedisSessionStore({
      command: createIoRedisCommand(client),
      limits: LIMITS,
      clock: () => now,
    });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it("ends the user's oldest session beyond the bound (atomically, in Redis), never another user's", async () => {
    const bob = await store.create(BOB);
    const first = await store.create(ALICE);
    now += 1;
    const second = await store.create(ALICE);
    now += 1;
    const third = await store.create(ALICE);
    expect(third.evicted).toEqual([first.session.id]);
    expect(await store.byToken(first.token)).toBeUndefined();
    expect(await store.activeUser(first.session.id)).toBeUndefined();
    expect(await store.byToken(second.token)).toMatchObject({ user: ALICE });
    expect(await store.byToken(bob.token)).toMatchObject({ user: BOB });
    expect(await client.zcard('demo:user-sessions:alice')).toBe(LIMITS.perUser);
  });

  it('stores no cookie token in Redis, only its one-way id', async () => {
    const before = redis.monitorLines.length;
    const created = await store.create(BOB);
    await store.byToken(created.token);
    await store.end(created.token);
    const commands = redis.monitorLines.slice(before);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((line) => line.includes(created.token))).toEqual([]);
  });

  it('lets a session expire in Redis at its idle deadline, moved by each use but never past maxAgeMs', async () => {
    const created = await store.create(BOB);
    const key = `demo:session:${created.session.id}`;
    expect(await client.pttl(key)).toBeLessThanOrEqual(LIMITS.idleMs);
    now = created.session.createdAt + LIMITS.maxAgeMs - 2_000;
    await store.byToken(created.token);
    expect(await client.pttl(key)).toBeLessThanOrEqual(2_000);
    now = created.session.createdAt + LIMITS.maxAgeMs;
    expect(await store.byToken(created.token)).toBeUndefined();
  });

  it('answers the user of a live session as the record holds it now (roles changed in Redis)', async () => {
    const created = await store.create(ALICE);
    expect(await store.activeUser(created.session.id)).toEqual(ALICE);
    const key = `demo:session:${created.session.id}`;
    const record = JSON.parse((await client.get(key)) ?? '{}') as { user: { roles: string[] } };
    record.user.roles = [];
    await client.set(key, JSON.stringify(record), 'KEEPTTL');
    expect(await store.activeUser(created.session.id)).toEqual({ id: 'alice', roles: [] });
  });

  it('ends a session once: end is idempotent', async () => {
    const created = await store.create(ALICE);
    expect(await store.end(created.token)).toMatchObject({ id: created.session.id });
    expect(await store.end(created.token)).toBeUndefined();
    expect(await store.activeUser(created.session.id)).toBeUndefined();
  });

  it('answers 503 instead of hanging while Redis is stalled (REDIS_TIMEOUT_MS), and recovers', async () => {
    const backend = createDemoBackend(
      readDemoConfig({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '200' }, { defaultPort: 1 }),
      silent,
    );
    try {
      await backend.redis?.whenReady(5_000);
      const body = { username: 'bob', password: 'bob-password' };
      const login = await backend.auth.login({ contentType: 'application/json', body });
      expect(login.status).toBe(200);
      redis.pause();
      try {
        expect(await backend.auth.login({ contentType: 'application/json', body })).toEqual({
          status: 503,
          body: { error: 'SERVICE_UNAVAILABLE' },
        });
        expect((await backend.auth.logout(login.sessionToken)).status).toBe(503);
        await expect(backend.auth.ticketSubject(login.sessionToken)).rejects.toMatchObject({
          code: 'DEMO_SESSION_STORE_UNAVAILABLE',
          statusCode: 503,
        });
      } finally {
        redis.resume();
      }
      // (The stalled GETDEL of the logout may have run on resume: the old session is not asserted.)
      const again = await backend.auth.login({ contentType: 'application/json', body });
      expect(again.status).toBe(200);
      expect(await backend.auth.ticketSubject(again.sessionToken)).toMatchObject({ subject: 'bob' });
    } finally {
      await backend.close();
    }
  });
});
