// Sessions shared by every instance through Redis (REDIS_URL), so a login on instance A is valid
// on instance B. Keys hold session ids only (one-way hashes of the cookie token):
//   demo:session:<id>        → the session record, expiring at the idle or absolute deadline
//   demo:user-sessions:<uid> → sorted set of that user's session ids by login time
import { systemClock, type Clock } from '@wsgate/core';
import type { RedisCommand } from '@wsgate/redis-store';
import type { SessionLimits } from './demo-config.js';
import type { DemoUser } from './demo-users.js';
import { SessionStoreUnavailableError } from './errors.js';
import type { CreatedSession, Session, SessionStore } from './session-store.js';
import { newSessionToken, sessionIdOf } from './session-token.js';

const SESSION_PREFIX = 'demo:session:';
const USER_INDEX_PREFIX = 'demo:user-sessions:';
const RECORD_VERSION = 2;

/**
 * Stores a new session and ends its user's oldest sessions beyond the bound, atomically.
 * Index entries whose session expired are dropped first, so only live sessions count.
 * KEYS: new session key, user index key. ARGV: id, record, session ttl ms, login time,
 * index ttl ms, sessions per user, session key prefix. Returns the ids of the ended sessions.
 */
const CREATE_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
local live = {}
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[7] .. id) == 1 then table.insert(live, id)
  else redis.call('ZREM', KEYS[2], id) end
end
local excess = #live - tonumber(ARGV[6])
local ended = {}
for _, id in ipairs(live) do
  if excess <= 0 then break end
  if id ~= ARGV[1] then
    redis.call('ZREM', KEYS[2], id)
    redis.call('DEL', ARGV[7] .. id)
    table.insert(ended, id)
    excess = excess - 1
  end
end
return ended
`;

interface SessionRecord {
  readonly v: number;
  readonly user: { readonly id: string; readonly roles: readonly string[] };
  readonly createdAt: number;
}

/** The session stored under `id`, or `undefined` for anything unreadable. */
function decode(id: string, value: unknown): Session | undefined {
  if (typeof value !== 'string') return undefined;
  let record: Partial<SessionRecord>;
  try {
    record = JSON.parse(value) as Partial<SessionRecord>;
  } catch {
    return undefined;
  }
  const { v, user, createdAt } = record;
  if (
    v !== RECORD_VERSION ||
    typeof createdAt !== 'number' ||
    user === null ||
    typeof user !== 'object' ||
    typeof user.id !== 'string' ||
    !Array.isArray(user.roles) ||
    !user.roles.every((role) => typeof role === 'string')
  )
    return undefined;
  return Object.freeze({
    id,
    user: Object.freeze({ id: user.id, roles: Object.freeze([...user.roles]) }),
    createdAt,
  });
}

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /**
   * Runs one command. It must settle within a bounded time (the demo's Redis connection has
   * ioredis `commandTimeout`); any rejection is answered 503.
   */
  readonly command: RedisCommand;
  readonly limits: SessionLimits;
  /** @default Date.now */
  readonly clock?: Clock;
}

/** {@link SessionStore} in Redis, shared by every instance. */
export class RedisSessionStore implements SessionStore {
  private readonly command: RedisCommand;
  private readonly limits: SessionLimits;
  private readonly clock: Clock;

  constructor(options: RedisSessionStoreOptions) {
    this.command = options.command;
    this.limits = options.limits;
    this.clock = options.clock ?? systemClock;
  }

  async create(user: DemoUser): Promise<CreatedSession> {
    const token = newSessionToken();
    const createdAt = this.clock();
    const session: Session = Object.freeze({ id: sessionIdOf(token), user, createdAt });
    const record: SessionRecord = {
      v: RECORD_VERSION,
      user: { id: user.id, roles: [...user.roles] },
      createdAt,
    };
    const ended = await this.run([
      'EVAL',
      CREATE_SCRIPT,
      '2',
      SESSION_PREFIX + session.id,
      USER_INDEX_PREFIX + user.id,
      session.id,
      JSON.stringify(record),
      String(Math.min(this.limits.idleMs, this.limits.maxAgeMs)),
      String(createdAt),
      String(this.limits.maxAgeMs),
      String(this.limits.perUser),
      SESSION_PREFIX,
    ]);
    const evicted = Array.isArray(ended) ? ended.filter((id): id is string => typeof id === 'string') : [];
    return { token, session, evicted };
  }

  async byToken(token: string): Promise<Session | undefined> {
    const id = sessionIdOf(token);
    const session = decode(id, await this.run(['GET', SESSION_PREFIX + id]));
    if (session === undefined) return undefined;
    const remainingMs = Math.min(this.limits.idleMs, session.createdAt + this.limits.maxAgeMs - this.clock());
    if (remainingMs <= 0) return undefined;
    // A use: the idle deadline moves (never past the absolute one). A no-op if it just ended.
    await this.run(['PEXPIRE', SESSION_PREFIX + id, String(remainingMs)]);
    return session;
  }

  async activeUser(sessionId: string): Promise<DemoUser | undefined> {
    return decode(sessionId, await this.run(['GET', SESSION_PREFIX + sessionId]))?.user;
  }

  async end(token: string): Promise<Session | undefined> {
    const id = sessionIdOf(token);
    // The user index keeps the id until the next login of that user prunes it.
    return decode(id, await this.run(['GETDEL', SESSION_PREFIX + id]));
  }

  close(): void {
    // The connection belongs to the caller (DemoRedis).
  }

  private async run(args: string[]): Promise<unknown> {
    try {
      return await this.command(args);
    } catch (error) {
      throw new SessionStoreUnavailableError(error);
    }
  }
}
