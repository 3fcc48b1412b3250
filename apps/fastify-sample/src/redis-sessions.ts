import { createHash, randomBytes } from 'node:crypto';
import { WsGateError } from '@wsgate/core';
import type { RedisCommand } from '@wsgate/redis-store';
import type { Session, SessionStore } from './sessions.js';
import type { DemoUser } from './users.js';

const SESSION_TTL_SECONDS = String(24 * 60 * 60);

/** Sessions are in Redis and it cannot be reached: answered with 503, never a crash. */
export class SessionStoreUnavailableError extends WsGateError {
  constructor(cause: unknown) {
    super('DEMO_SESSION_STORE_UNAVAILABLE', 'session store unavailable', { statusCode: 503, cause });
  }
}

const tokenKey = (token: string) => `demo:s:t:${createHash('sha256').update(token).digest('base64url')}`;
const idKey = (id: string) => `demo:s:i:${id}`;

/**
 * Sessions shared by every instance through Redis, so a login on instance A is valid on B.
 * Cookie tokens are stored only as SHA-256 hashes.
 */
export class RedisSessionStore implements SessionStore {
  constructor(private readonly command: RedisCommand) {}

  async create(user: DemoUser): Promise<Session> {
    const session = {
      id: randomBytes(12).toString('base64url'),
      token: randomBytes(24).toString('base64url'),
      user,
    };
    const value = JSON.stringify({ id: session.id, user });
    await this.run(['SET', tokenKey(session.token), value, 'EX', SESSION_TTL_SECONDS]);
    await this.run(['SET', idKey(session.id), '1', 'EX', SESSION_TTL_SECONDS]);
    return session;
  }

  async byToken(token: string): Promise<Session | undefined> {
    const value = await this.run(['GET', tokenKey(token)]);
    if (typeof value !== 'string') return undefined;
    const parsed = JSON.parse(value) as { id: string; user: DemoUser };
    return { id: parsed.id, token, user: parsed.user };
  }

  async isActive(id: string): Promise<boolean> {
    return (await this.run(['EXISTS', idKey(id)])) === 1;
  }

  async end(token: string): Promise<Session | undefined> {
    const session = await this.byToken(token);
    if (session === undefined) return undefined;
    await this.run(['DEL', tokenKey(token), idKey(session.id)]);
    return session;
  }

  private async run(args: string[]): Promise<unknown> {
    try {
      return await this.command(args);
    } catch (error) {
      throw new SessionStoreUnavailableError(error);
    }
  }
}
