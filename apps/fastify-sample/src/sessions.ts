import { randomBytes } from 'node:crypto';
import type { DemoUser } from './users.js';

/**
 * A login session. `token` is the secret the `sid` cookie carries; `id` is a separate, public
 * identifier: it goes into tickets, revocations and logs, and cannot be used to log in.
 */
export interface Session {
  readonly id: string;
  readonly token: string;
  readonly user: DemoUser;
}

/** Where sessions live (memory here; Redis when REDIS_URL is set). */
export interface SessionStore {
  create(user: DemoUser): Promise<Session>;
  /** The session a cookie token belongs to. */
  byToken(token: string): Promise<Session | undefined>;
  /** Whether the session with this public id is still logged in. */
  isActive(id: string): Promise<boolean>;
  /** Ends the session of a cookie token; returns it if there was one. */
  end(token: string): Promise<Session | undefined>;
}

/** In-memory sessions for a single instance. */
export class MemorySessionStore implements SessionStore {
  private readonly byTokenMap = new Map<string, Session>();
  private readonly activeIds = new Set<string>();

  async create(user: DemoUser): Promise<Session> {
    const session = {
      id: randomBytes(12).toString('base64url'),
      token: randomBytes(24).toString('base64url'),
      user,
    };
    this.byTokenMap.set(session.token, session);
    this.activeIds.add(session.id);
    return session;
  }

  async byToken(token: string): Promise<Session | undefined> {
    return this.byTokenMap.get(token);
  }

  async isActive(id: string): Promise<boolean> {
    return this.activeIds.has(id);
  }

  async end(token: string): Promise<Session | undefined> {
    const session = this.byTokenMap.get(token);
    if (session === undefined) return undefined;
    this.byTokenMap.delete(token);
    this.activeIds.delete(session.id);
    return session;
  }
}
