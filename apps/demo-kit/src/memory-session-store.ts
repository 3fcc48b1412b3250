// Sessions of this process only (no REDIS_URL): bounded per user, with idle and absolute
// lifetimes; a timer (unref'd) drops ended sessions so memory does not grow with logins.
import { systemClock, type Clock } from '@wsgate/core';
import type { SessionLimits } from './demo-config.js';
import type { DemoUser } from './demo-users.js';
import type { CreatedSession, Session, SessionStore } from './session-store.js';
import { newSessionToken, sessionIdOf } from './session-token.js';

interface Entry {
  readonly session: Session;
  lastUsedAt: number;
}

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  readonly limits: SessionLimits;
  /** @default Date.now */
  readonly clock?: Clock;
  /** How often ended sessions are dropped from memory. @default 60_000 */
  readonly sweepIntervalMs?: number;
}

/** In-memory {@link SessionStore} for a single instance. */
export class MemorySessionStore implements SessionStore {
  /** Sessions by id. */
  private readonly entries = new Map<string, Entry>();
  /** Session ids per user id, oldest first (a Set keeps insertion order). */
  private readonly idsByUser = new Map<string, Set<string>>();
  private readonly limits: SessionLimits;
  private readonly clock: Clock;
  private readonly sweepTimer: ReturnType<typeof setInterval>;

  constructor(options: MemorySessionStoreOptions) {
    this.limits = options.limits;
    this.clock = options.clock ?? systemClock;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  async create(user: DemoUser): Promise<CreatedSession> {
    const token = newSessionToken();
    const now = this.clock();
    const session: Session = Object.freeze({ id: sessionIdOf(token), user, createdAt: now });
    this.entries.set(session.id, { session, lastUsedAt: now });
    const ids = this.idsOf(user.id);
    ids.add(session.id);
    const evicted: string[] = [];
    for (const id of ids) {
      if (ids.size <= this.limits.perUser) break;
      this.remove(id);
      evicted.push(id);
    }
    return { token, session, evicted };
  }

  async byToken(token: string): Promise<Session | undefined> {
    const entry = this.liveEntry(sessionIdOf(token));
    if (entry === undefined) return undefined;
    entry.lastUsedAt = this.clock();
    return entry.session;
  }

  async activeUser(sessionId: string): Promise<DemoUser | undefined> {
    return this.liveEntry(sessionId)?.session.user;
  }

  async end(token: string): Promise<Session | undefined> {
    const entry = this.liveEntry(sessionIdOf(token));
    if (entry === undefined) return undefined;
    this.remove(entry.session.id);
    return entry.session;
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  /** How many sessions are held (live or not yet swept), for tests of the bounds. */
  get size(): number {
    return this.entries.size;
  }

  private liveEntry(sessionId: string): Entry | undefined {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) return undefined;
    if (this.hasEnded(entry, this.clock())) {
      this.remove(sessionId);
      return undefined;
    }
    return entry;
  }

  private hasEnded(entry: Entry, now: number): boolean {
    return (
      now - entry.lastUsedAt >= this.limits.idleMs || now - entry.session.createdAt >= this.limits.maxAgeMs
    );
  }

  private idsOf(userId: string): Set<string> {
    let ids = this.idsByUser.get(userId);
    if (ids === undefined) {
      ids = new Set();
      this.idsByUser.set(userId, ids);
    }
    return ids;
  }

  private remove(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) return;
    this.entries.delete(sessionId);
    const ids = this.idsByUser.get(entry.session.user.id);
    ids?.delete(sessionId);
    if (ids?.size === 0) this.idsByUser.delete(entry.session.user.id);
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, entry] of this.entries) if (this.hasEnded(entry, now)) this.remove(id);
  }
}
