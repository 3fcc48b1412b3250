// In-memory sessions: the cookie carries a random token; the server keeps only its SHA-256.
// Each session also has a separate public id, used for tickets, socket revocation and rate limits.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import type { TicketSubject } from '@wsgate/nestjs';
import type { Request } from 'express';
import type { DemoUser } from './users.js';

export const SESSION_COOKIE = 'sid';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1_000;
const MAX_SESSIONS = 50_000;

export interface Session {
  /** Public id (not the cookie value): tickets and sockets are tied to it. */
  readonly id: string;
  readonly user: DemoUser;
  readonly expiresAt: number;
}

type SessionListener = (session: Session) => void;

function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
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

@Injectable()
export class SessionStore implements OnModuleDestroy {
  /** Sessions by the SHA-256 of their cookie token. */
  private readonly sessions = new Map<string, Session>();
  /** Public ids of the live sessions. */
  private readonly liveIds = new Set<string>();
  private readonly listeners: SessionListener[] = [];
  private readonly sweepTimer = setInterval(() => this.sweep(), 60_000);

  constructor() {
    this.sweepTimer.unref();
  }

  /** Starts a new session (never reuses one: no session fixation) and returns its cookie token. */
  create(user: DemoUser): { readonly token: string; readonly session: Session } {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (oldest.done !== true) this.remove(oldest.value);
    }
    const token = randomBytes(32).toString('base64url');
    const session: Session = Object.freeze({
      id: randomUUID(),
      user,
      expiresAt: Date.now() + SESSION_LIFETIME_MS,
    });
    this.sessions.set(tokenKey(token), session);
    this.liveIds.add(session.id);
    return { token, session };
  }

  /** The live session of a request's cookie. */
  fromRequest(request: Request): Session | undefined {
    const token = sessionToken(request);
    if (token === undefined) return undefined;
    const key = tokenKey(token);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (Date.now() >= session.expiresAt) {
      this.remove(key);
      return undefined;
    }
    return session;
  }

  /** Whether the session with this public id is live (checked on every WebSocket upgrade). */
  isActive(sessionId: string | undefined): boolean {
    return sessionId !== undefined && this.liveIds.has(sessionId);
  }

  /** Ends the session of a request's cookie (idempotent). */
  endFromRequest(request: Request): void {
    const token = sessionToken(request);
    if (token !== undefined) this.remove(tokenKey(token));
  }

  /** Who the ticket route issues a ticket to, for the request's session. */
  ticketSubject(request: Request): TicketSubject | undefined {
    const session = this.fromRequest(request);
    if (session === undefined) return undefined;
    return { subject: session.user.id, sessionId: session.id, claims: { roles: [...session.user.roles] } };
  }

  /** Called whenever a session ends (logout, expiry, eviction). */
  onEnd(listener: SessionListener): void {
    this.listeners.push(listener);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, session] of this.sessions) if (now >= session.expiresAt) this.remove(key);
  }

  private remove(key: string): void {
    const session = this.sessions.get(key);
    if (session === undefined) return;
    this.sessions.delete(key);
    this.liveIds.delete(session.id);
    for (const listener of this.listeners) listener(session);
  }
}

@Module({ providers: [SessionStore], exports: [SessionStore] })
export class SessionsModule {}
