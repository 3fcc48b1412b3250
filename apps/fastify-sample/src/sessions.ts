import { randomBytes } from 'node:crypto';
import type { DemoUser } from './users.js';

/** A login session. */
export interface Session {
  readonly id: string;
  readonly user: DemoUser;
}

/** Where sessions live (memory here; Redis when REDIS_URL is set). */
export interface SessionStore {
  create(user: DemoUser): Promise<Session>;
  get(id: string): Promise<Session | undefined>;
  end(id: string): Promise<boolean>;
}

/** In-memory sessions for a single instance. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();

  async create(user: DemoUser): Promise<Session> {
    const session = { id: randomBytes(24).toString('base64url'), user };
    this.sessions.set(session.id, session);
    return session;
  }

  async get(id: string): Promise<Session | undefined> {
    return this.sessions.get(id);
  }

  async end(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }
}
