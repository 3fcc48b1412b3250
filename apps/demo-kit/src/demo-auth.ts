// Login, logout and the ticket route's authentication, framework-free: each takes what the
// request carried and answers what the protocol says; the samples only translate.
import { WsGateError, type SessionStatus } from '@wsgate/core';
import { describeError, type DemoLogger } from './demo-logger.js';
import { MAX_CREDENTIAL_LENGTH, verifyCredentials } from './demo-users.js';
import { errorAnswer, isJsonContentType, type HttpAnswer } from './http-answers.js';
import type { SessionRevoker } from './session-revocation.js';
import type { SessionStore } from './session-store.js';
import { readSessionToken, sessionIdOf } from './session-token.js';

/** What `POST /login` carried. */
export interface LoginRequest {
  /** The `Content-Type` header. */
  readonly contentType: string | undefined;
  /** The parsed body (`undefined` when the framework parsed none). */
  readonly body: unknown;
}

/** The answer to `POST /login`; with `sessionToken`, set it as the session cookie. */
export interface LoginAnswer extends HttpAnswer {
  readonly sessionToken?: string;
}

/** The answer to `POST /logout`; with `clearCookie`, expire the session cookie. */
export interface LogoutAnswer extends HttpAnswer {
  readonly clearCookie: boolean;
}

/** Who a ticket is issued to: the session's user, its id and roles (the adapters' `TicketSubject`). */
export interface DemoTicketSubject {
  readonly subject: string;
  readonly sessionId: string;
  readonly claims: { roles: string[] };
}

function fieldsOf(body: unknown): Readonly<Record<string, unknown>> {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * The account a login attempt names (its `username`, if a string of at most
 * {@link MAX_CREDENTIAL_LENGTH} characters): the key of the per-account login limit.
 */
export function loginAccountOf(body: unknown): string | undefined {
  const username = fieldsOf(body)['username'];
  return typeof username === 'string' && username.length <= MAX_CREDENTIAL_LENGTH ? username : undefined;
}

function isUnavailable(error: unknown): boolean {
  return error instanceof WsGateError && error.statusCode === 503;
}

/** The demo's authentication over a {@link SessionStore} and a {@link SessionRevoker}. */
export class DemoAuth {
  constructor(
    private readonly sessions: SessionStore,
    private readonly revoker: SessionRevoker,
    private readonly logger: DemoLogger,
  ) {}

  /**
   * `POST /login`: `application/json` only (415 otherwise: no login from a cross-site form),
   * 401 `INVALID_CREDENTIALS`, or a new session; the user's sessions beyond the bound end
   * (their sockets close as on logout). 503 when the session store is out of reach.
   * Rate limits are the framework's, in front of this.
   */
  async login(request: LoginRequest): Promise<LoginAnswer> {
    if (!isJsonContentType(request.contentType)) return errorAnswer(415);
    const fields = fieldsOf(request.body);
    const user = verifyCredentials(fields['username'], fields['password']);
    if (user === undefined) return { status: 401, body: { error: 'INVALID_CREDENTIALS' } };
    let created;
    try {
      created = await this.sessions.create(user);
    } catch (error) {
      return this.unavailable(error);
    }
    for (const sessionId of created.evicted) await this.revoker.revoke(sessionId);
    if (created.evicted.length > 0)
      this.logger.info('demo.sessions_evicted', "the user's oldest sessions ended", {
        count: created.evicted.length,
      });
    return {
      status: 200,
      body: { user: { id: user.id, roles: [...user.roles] } },
      sessionToken: created.token,
    };
  }

  /**
   * `POST /logout`: closes the session's sockets on this instance at once (the id comes from
   * the cookie, no store lookup), then ends the session and closes its sockets everywhere.
   * 204 with or without a live session; 503 (cookie kept, so the client can retry) when the
   * store is out of reach — the local sockets are closed by then.
   */
  async logout(cookie: unknown): Promise<LogoutAnswer> {
    const token = readSessionToken(cookie);
    if (token === undefined) return { status: 204, clearCookie: true };
    const sessionId = sessionIdOf(token);
    this.revoker.closeLocal(sessionId);
    let ended;
    try {
      ended = await this.sessions.end(token);
    } catch (error) {
      return { ...this.unavailable(error), clearCookie: false };
    }
    if (ended !== undefined) await this.revoker.revoke(sessionId);
    return { status: 204, clearCookie: true };
  }

  /**
   * The ticket route's `authenticate`: the subject of the cookie's live session, or
   * `undefined`. Rejects with `SessionStoreUnavailableError` (503) when the store is out of reach.
   */
  async ticketSubject(cookie: unknown): Promise<DemoTicketSubject | undefined> {
    const token = readSessionToken(cookie);
    const session = token === undefined ? undefined : await this.sessions.byToken(token);
    if (session === undefined) return undefined;
    return { subject: session.user.id, sessionId: session.id, claims: { roles: [...session.user.roles] } };
  }

  /**
   * The gate's `isSessionActive`: `false` once a ticket's (or an open socket's) session ended,
   * else the session's claims as they are now, so that a role removed from a live session stops
   * working on its open sockets at the next re-check.
   */
  async isSessionActive(sessionId: string | undefined): Promise<SessionStatus> {
    const user = sessionId === undefined ? undefined : await this.sessions.activeUser(sessionId);
    return user === undefined ? false : { claims: { roles: [...user.roles] } };
  }

  private unavailable(error: unknown): HttpAnswer {
    if (!isUnavailable(error)) throw error;
    const cause = error instanceof Error ? describeError(error.cause) : 'unknown error';
    this.logger.warn('demo.service_unavailable', 'session store unavailable', { err: cause });
    return errorAnswer(503);
  }
}
