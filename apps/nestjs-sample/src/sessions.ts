// Sessions: the cookie carries a random token; the server keeps only its SHA-256. Each session
// also has a separate public id, used for tickets, socket revocation and rate limits.
// In memory by default; in Redis (shared by every instance) when REDIS_URL is set.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { TicketSubject } from '@wsgate/nestjs';
import type { Request } from 'express';
import type { DemoUser } from './users.js';

export const SESSION_COOKIE = 'sid';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1_000;
const MAX_SESSIONS = 50_000;

export interface Session {
  /** Public id (not the cookie value): tickets and sockets are tied to it. */
  readonly id: string;
  readonly user: DemoUser;
  readonly expiresAt: number;
}

/** A session just started, with the cookie token that opens it (sent once, never stored). */
export interface NewSession {
  readonly token: string;
  readonly session: Session;
}

type SessionListener = (session: Session) => void;

/** The SHA-256 of a cookie token: what the stores key sessions by. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A fresh session for `user`: a new random cookie token and a new public id. */
export function newSession(user: DemoUser): NewSession {
  const token = randomBytes(32).toString('base64url');
  const session: Session = Object.freeze({
    id: randomUUID(),
    user,
    expiresAt: Date.now() + SESSION_LIFETIME_MS,
  });
  return { token, session };
}

/** The session token of a request's `sid` cookie, if it is well-formed. */
export function sessionToken(request: Request): string | undefined {
  const cookies: unknown = request.cookies;
  const value =
    cookies !== null && typeof cookies === 'object'
      ? (cookies as Record<string, unknown>)[SESSION_COOKIE]
      : undefined;
  return typeof value === 'string' && TOKEN_PATTERN.test(value) ? value : undefined;
}

/**
 * Where sessions live (injection token). Every method may reject with
 * `SessionStoreUnavailableError` (503) when the store is out of reach.
 */
export abstract class SessionStore {
  /** Starts a new session (never reuses one: no session fixation) and returns its cookie token. */
  abstract create(user: DemoUser): Promise<NewSession>;

  /** The live session of a cookie token. */
  abstract byToken(token: string): Promise<Session | undefined>;

  /** Whether the session with this public id is live (checked on every WebSocket upgrade). */
  abstract isActive(sessionId: string | undefined): Promise<boolean>;

  /** Ends the session of a cookie token (idempotent); returns it if it was live. */
  abstract end(token: string): Promise<Session | undefined>;

  /**
   * Called when a session ends by itself in this process (expiry, eviction), not by `end`.
   * Stores whose sessions expire elsewhere (Redis) never call it: the periodic session
   * re-check of open sockets covers those.
   */
  onExpire(_listener: SessionListener): void {
    // Nothing expires in this process by default.
  }

  /** The live session of a request's cookie. */
  fromRequest(request: Request): Promise<Session | undefined> {
    const token = sessionToken(request);
    return token === undefined ? Promise.resolve(undefined) : this.byToken(token);
  }

  /** Ends the session of a request's cookie (idempotent); returns it if it was live. */
  endFromRequest(request: Request): Promise<Session | undefined> {
    const token = sessionToken(request);
    return token === undefined ? Promise.resolve(undefined) : this.end(token);
  }

  /** Who the ticket route issues a ticket to, for the request's session. */
  async ticketSubject(request: Request): Promise<TicketSubject | undefined> {
    const session = await this.fromRequest(request);
    if (session === undefined) return undefined;
    return { subject: session.user.id, sessionId: session.id, claims: { roles: [...session.user.roles] } };
  }
}

/** Sessions of this process only (no REDIS_URL). */
@Injectable()
export class MemorySessionStore extends SessionStore implements OnModuleDestroy {
  /** Sessions by the SHA-256 of their cookie token. */
  private readonly sessions = new Map<string, Session>();
  /** Public ids of the live sessions. */
  private readonly liveIds = new Set<string>();
  private readonly listeners: SessionListener[] = [];
  private readonly sweepTimer = setInterval(() => this.sweep(), 60_000);

  constructor() {
    super();
    this.sweepTimer.unref();
  }

  async create(user: DemoUser): Promise<NewSession> {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (oldest.done !== true) this.remove(oldest.value, true);
    }
    const created = newSession(user);
    this.sessions.set(tokenKey(created.token), created.session);
    this.liveIds.add(created.session.id);
    return created;
  }

  async byToken(token: string): Promise<Session | undefined> {
    const key = tokenKey(token);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (Date.now() >= session.expiresAt) {
      this.remove(key, true);
      return undefined;
    }
    return session;
  }

  async isActive(sessionId: string | undefined): Promise<boolean> {
    return sessionId !== undefined && this.liveIds.has(sessionId);
  }

  async end(token: string): Promise<Session | undefined> {
    return this.remove(tokenKey(token), false);
  }

  override onExpire(listener: SessionListener): void {
    this.listeners.push(listener);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, session] of this.sessions) if (now >= session.expiresAt) this.remove(key, true);
  }

  private remove(key: string, notify: boolean): Session | undefined {
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    this.sessions.delete(key);
    this.liveIds.delete(session.id);
    if (notify) for (const listener of this.listeners) listener(session);
    return session;
  }
}
