import { createHash } from 'node:crypto';
import type { AuditEvent, AuditEvents } from './audit-events.js';
import { WsGateError } from './errors.js';
import type { GateMetrics } from './gate-metrics.js';
import { headerValue, type HandshakeRequest } from './handshake-request.js';
import { errorCodeForStatus } from './http-errors.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RequestRateLimiter } from './request-rate-limiter.js';
import type { IssuedTicket, TicketService } from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';
import type { TransportPolicy } from './transport-policy.js';

/** Whom a ticket is issued to, as the app's `authenticate` returns it. */
export interface TicketSubject<TClaims extends TicketClaims = TicketClaims> {
  /** The authenticated user (id). Required, non-empty. */
  subject: string;
  /**
   * The user's session: its sockets close on `revokeSession(sessionId)`, and the ticket route's
   * rate limit counts per session (per subject without one).
   */
  sessionId?: string | undefined;
  /** Claims the WebSocket handlers see (`roles` is read by role checks). */
  claims?: TClaims | undefined;
}

/** Authenticates the HTTP request of a ticket request with the app's own means. */
export type TicketRequestAuthenticator<TClaims extends TicketClaims = TicketClaims> = () =>
  TicketSubject<TClaims> | null | undefined | Promise<TicketSubject<TClaims> | null | undefined>;

/** A ticket request refused before any user lookup. */
export interface TicketRequestRefusal {
  readonly ok: false;
  readonly status: 403;
  readonly code: 'ORIGIN_NOT_ALLOWED' | 'INSECURE_TRANSPORT';
}

/** Result of the transport and Origin checks of a ticket request. */
export type TicketRequestPrecheck =
  { readonly ok: true; readonly origin: string | undefined } | TicketRequestRefusal;

/** Result of issuing a ticket for an HTTP request. */
export type IssueForRequestResult = ({ readonly ok: true } & IssuedTicket) | TicketRequestRefusal;

/** Status of a ticket route answer (other 4xx come from a request the route refused before its flow). */
export type TicketAnswerStatus = 200 | 400 | 401 | 403 | 413 | 415 | 429 | 500 | 503 | (number & {});

/**
 * The whole answer to a ticket request, for an adapter to write as it is: status, headers
 * (always `Cache-Control: no-store`; `Retry-After` on 429) and JSON body
 * (`{ ticket, expiresAt }` or `{ error: CODE }`), and the audit event to log.
 */
export interface TicketAnswer {
  readonly status: TicketAnswerStatus;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly audit: AuditEvent;
}

/** The rate limits of one ticket request, when an adapter counts them in its framework's store. */
export interface TicketRequestLimiters {
  /** Per session (per subject without one), after `authenticate`. @default the gate's limiter */
  readonly perSession?: RequestRateLimiter | undefined;
  /** Per client address, before `authenticate` (a guard against unauthenticated floods). */
  readonly perAddress?: RequestRateLimiter | undefined;
}

/** What {@link createTicketRequests} is built from (the gate's services). */
export interface TicketRequestParts<TClaims extends TicketClaims> {
  readonly tickets: TicketService<TClaims>;
  readonly origins: OriginPolicy;
  readonly transport: TransportPolicy;
  readonly limiter: RequestRateLimiter | undefined;
  readonly audit: AuditEvents;
  /** Counts refused ticket requests. @default none */
  readonly metrics?: Pick<GateMetrics, 'ticketRequestRefused'>;
}

/** Ticket requests, answered the same way by every adapter. */
export interface TicketRequests<TClaims extends TicketClaims> {
  precheck(request: HandshakeRequest): TicketRequestPrecheck;
  issueFor(request: HandshakeRequest, subject: TicketSubject<TClaims>): Promise<IssueForRequestResult>;
  /**
   * The answer to a ticket request that failed before it reached the flow (a body the route does
   * not take, a framework limit): its status when it is a client error (the code from
   * `errorCodeForStatus`, logged at `info`), else 500 (logged with the error).
   */
  failed(statusCode: number | undefined, cause: unknown): TicketAnswer;
  answer(
    request: HandshakeRequest,
    authenticate: TicketRequestAuthenticator<TClaims>,
    limiters?: TicketRequestLimiters,
  ): Promise<TicketAnswer>;
}

const NO_STORE = Object.freeze({ 'cache-control': 'no-store' });

function isTicketSubject(value: unknown): value is TicketSubject {
  if (value === null || typeof value !== 'object') return false;
  const { subject, sessionId } = value as TicketSubject;
  return (
    typeof subject === 'string' &&
    subject !== '' &&
    (sessionId === undefined || typeof sessionId === 'string')
  );
}

/**
 * The rate-limit key of a ticket request: per session, per subject without one; hashed, so that
 * no limiter store ever holds a session id.
 */
export function ticketRateKey(subject: TicketSubject): string {
  const identity =
    subject.sessionId === undefined ? `subject:${subject.subject}` : `session:${subject.sessionId}`;
  return `wsgate-ticket:${createHash('sha256').update(identity).digest('base64url')}`;
}

function isUnavailable(error: unknown): boolean {
  return error instanceof WsGateError && error.statusCode === 503;
}

/** Creates the ticket request flow of a gate. */
export function createTicketRequests<TClaims extends TicketClaims>(
  parts: TicketRequestParts<TClaims>,
): TicketRequests<TClaims> {
  const { tickets, origins, transport, audit } = parts;

  /** A refusal with its audit event (built once, here), counted in the metrics. */
  const refusedWith = (
    status: TicketAnswerStatus,
    code: string,
    auditEvent: () => AuditEvent,
    headers: Record<string, string> = {},
  ): TicketAnswer => {
    parts.metrics?.ticketRequestRefused(status, code);
    return { status, headers: { ...NO_STORE, ...headers }, body: { error: code }, audit: auditEvent() };
  };
  const refused = (
    status: TicketAnswerStatus,
    code: string,
    headers: Record<string, string> = {},
  ): TicketAnswer => refusedWith(status, code, () => audit.ticketRefused(status, code), headers);
  const unavailable = (error: unknown): TicketAnswer =>
    refusedWith(503, 'SERVICE_UNAVAILABLE', () =>
      audit.serviceUnavailable(error instanceof WsGateError ? error.code : 'UNKNOWN', 'ticket'),
    );
  const failed = (cause: unknown): TicketAnswer =>
    refusedWith(500, 'INTERNAL_ERROR', () => audit.ticketRouteFailed(cause));

  /** `undefined` when the request may go on, else the answer (429, or 503 when the limiter fails). */
  async function consume(limiter: RequestRateLimiter, key: string): Promise<TicketAnswer | undefined> {
    try {
      const decision = await limiter.consume(key);
      if (decision.allowed) return undefined;
      return refused(429, 'RATE_LIMITED', {
        'retry-after': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))),
      });
    } catch (error) {
      return unavailable(error);
    }
  }

  function precheck(request: HandshakeRequest): TicketRequestPrecheck {
    if (transport.requireSecure && !transport.isSecure(request))
      return { ok: false, status: 403, code: 'INSECURE_TRANSPORT' };
    const originCheck = origins.check(headerValue(request.headers, 'origin'));
    if (!originCheck.ok) return { ok: false, status: 403, code: 'ORIGIN_NOT_ALLOWED' };
    return { ok: true, origin: originCheck.origin };
  }

  /** Issues for a request that passed the precheck (bound to its address and Origin). */
  async function issueChecked(
    request: HandshakeRequest,
    origin: string | undefined,
    subject: TicketSubject<TClaims>,
  ): Promise<IssuedTicket> {
    return tickets.issue({
      subject: subject.subject,
      sessionId: subject.sessionId,
      claims: subject.claims,
      ip: transport.clientIp(request),
      origin,
    });
  }

  const flow: TicketRequests<TClaims> = {
    precheck,
    failed(statusCode, cause) {
      if (statusCode === undefined || statusCode < 400 || statusCode >= 500) return failed(cause);
      return refused(statusCode as TicketAnswerStatus, errorCodeForStatus(statusCode));
    },
    async issueFor(request, subject): Promise<IssueForRequestResult> {
      const checked = precheck(request);
      if (!checked.ok) return checked;
      return { ok: true as const, ...(await issueChecked(request, checked.origin, subject)) };
    },
    async answer(request, authenticate, limiters = {}): Promise<TicketAnswer> {
      const limiter = limiters.perSession ?? parts.limiter;
      // Origin (and TLS when required) first: a cross-site request is refused before anything else.
      const checked = precheck(request);
      if (!checked.ok) return refused(checked.status, checked.code);
      if (limiters.perAddress !== undefined) {
        const address = transport.clientIp(request) ?? 'unknown';
        const limited = await consume(limiters.perAddress, `wsgate-ticket-address:${address}`);
        if (limited !== undefined) return limited;
      }
      let subject: TicketSubject<TClaims> | null | undefined;
      try {
        subject = await authenticate();
      } catch (error) {
        return isUnavailable(error) ? unavailable(error) : failed(error);
      }
      if (subject === null || subject === undefined) return refused(401, 'UNAUTHENTICATED');
      if (!isTicketSubject(subject))
        return failed(
          new TypeError('authenticate() must return { subject: non-empty string, sessionId?: string }'),
        );
      if (limiter !== undefined) {
        const limited = await consume(limiter, ticketRateKey(subject));
        if (limited !== undefined) return limited;
      }
      try {
        const issued = await issueChecked(request, checked.origin, subject);
        return {
          status: 200,
          headers: NO_STORE,
          body: { ticket: issued.ticket, expiresAt: issued.expiresAt },
          audit: audit.ticketIssued(subject.subject, subject.sessionId),
        };
      } catch (error) {
        return isUnavailable(error) ? unavailable(error) : failed(error);
      }
    },
  };
  return Object.freeze(flow);
}
