// Sessions shared by every instance through Redis (REDIS_URL), so a login on instance A is valid
// on instance B. Cookie tokens are stored only as SHA-256 hashes; the public session id is what
// tickets, revocations and the upgrade check use.
import { WsGateError } from '@wsgate/core';
import type { RedisCommand } from '@wsgate/redis-store';
import {
  type NewSession,
  newSession,
  type Session,
  SESSION_LIFETIME_MS,
  SessionStore,
  tokenKey,
} from './sessions.js';
import type { DemoUser } from './users.js';

const SESSION_TTL_SECONDS = String(Math.ceil(SESSION_LIFETIME_MS / 1_000));
/** Longest wait for Redis per command: past it the request is answered 503. */
const COMMAND_TIMEOUT_MS = 1_000;
const RECORD_VERSION = 1;

/** Sessions are in Redis and it cannot be reached (down, erroring, too slow): 503, never a crash. */
export class SessionStoreUnavailableError extends WsGateError {
  constructor(cause: unknown) {
    super('DEMO_SESSION_STORE_UNAVAILABLE', 'session store unavailable', { statusCode: 503, cause });
  }
}

/** Redis gave no answer within {@link COMMAND_TIMEOUT_MS} (the cause of a {@link SessionStoreUnavailableError}). */
class SessionStoreTimeoutError extends WsGateError {
  constructor() {
    super('DEMO_SESSION_STORE_TIMEOUT', `no answer from Redis within ${COMMAND_TIMEOUT_MS} ms`, {
      statusCode: 503,
    });
  }
}

const tokenRedisKey = (token: string) => `demo:s:t:${tokenKey(token)}`;
const idRedisKey = (id: string) => `demo:s:i:${id}`;

interface SessionRecord {
  readonly v: number;
  readonly id: string;
  readonly user: { readonly id: string; readonly roles: readonly string[] };
  readonly expiresAt: number;
}

/** The session stored under a token key, or `undefined` for anything unreadable. */
function decode(value: unknown): Session | undefined {
  if (typeof value !== 'string') return undefined;
  let record: Partial<SessionRecord>;
  try {
    record = JSON.parse(value) as Partial<SessionRecord>;
  } catch {
    return undefined;
  }
  const { v, id, user, expiresAt } = record;
  if (
    v !== RECORD_VERSION ||
    typeof id !== 'string' ||
    typeof expiresAt !== 'number' ||
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
    expiresAt,
  });
}

/** Sessions in Redis: `demo:s:t:<sha256(token)>` → the session, `demo:s:i:<id>` → live marker. */
export class RedisSessionStore extends SessionStore {
  constructor(private readonly command: RedisCommand) {
    super();
  }

  async create(user: DemoUser): Promise<NewSession> {
    const created = newSession(user);
    const { session } = created;
    const record: SessionRecord = {
      v: RECORD_VERSION,
      id: session.id,
      user: { id: user.id, roles: [...user.roles] },
      expiresAt: session.expiresAt,
    };
    // The live marker first: a token key never exists without it.
    await this.run(['SET', idRedisKey(session.id), '1', 'EX', SESSION_TTL_SECONDS]);
    await this.run(['SET', tokenRedisKey(created.token), JSON.stringify(record), 'EX', SESSION_TTL_SECONDS]);
    return created;
  }

  async byToken(token: string): Promise<Session | undefined> {
    const session = decode(await this.run(['GET', tokenRedisKey(token)]));
    return session === undefined || Date.now() >= session.expiresAt ? undefined : session;
  }

  async isActive(sessionId: string | undefined): Promise<boolean> {
    if (sessionId === undefined) return false;
    return Number(await this.run(['EXISTS', idRedisKey(sessionId)])) === 1;
  }

  async end(token: string): Promise<Session | undefined> {
    const session = decode(await this.run(['GET', tokenRedisKey(token)]));
    if (session === undefined) return undefined;
    await this.run(['DEL', tokenRedisKey(token), idRedisKey(session.id)]);
    return session;
  }

  private async run(args: string[]): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SessionStoreTimeoutError()), COMMAND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.command(args), timeout]);
    } catch (error) {
      throw new SessionStoreUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
