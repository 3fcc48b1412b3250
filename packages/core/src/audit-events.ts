import { createHmac, randomBytes } from 'node:crypto';
import { WsGateConfigError } from './errors.js';
import type { GateMetrics } from './gate-metrics.js';
import { BuiltAuditEvent } from './built-audit-event.js';
import type { HandshakeRefusal } from './handshake-authorizer.js';
import type { Principal } from './ticket-service.js';

/** How loud an audit event is. Client-triggerable events are never above `warn`. */
export type AuditLevel = 'debug' | 'info' | 'warn' | 'error';

/** Field values of an audit event: no objects, never a ticket, a cookie or a message body. */
export type AuditFieldValue = string | number | boolean | undefined;

/**
 * One structured audit event: what every adapter logs, with the same name, fields and level
 * everywhere. `cause` is a server-side fault to log with its stack (never a client's error).
 */
export interface AuditEvent {
  /** Stable name, `wsgate.*`. */
  readonly event: AuditEventName;
  readonly level: AuditLevel;
  /** One-line human text. */
  readonly message: string;
  /**
   * The event's fields. Those of `wsgate.upgrade_accepted` and `wsgate.close` are built when first
   * read (their `session` hash costs more than the rest of the event): a sink that writes nothing
   * reads nothing. {@link auditRecord} gives a sink a record whose `session` is computed only if
   * the sink reads it. (Read `fields` by name: the events core builds keep it behind a getter, so
   * `{ ...event }` leaves it out; `JSON.stringify(event)` has it.)
   */
  readonly fields: Readonly<Record<string, AuditFieldValue>>;
  readonly cause?: unknown;
}

/** Every audit event name. */
export type AuditEventName =
  | 'wsgate.upgrade_accepted'
  | 'wsgate.upgrade_refused'
  | 'wsgate.close'
  | 'wsgate.message_refused'
  | 'wsgate.handler_failed'
  | 'wsgate.socket_error'
  | 'wsgate.ticket_issued'
  | 'wsgate.ticket_refused'
  | 'wsgate.ticket_route_failed'
  | 'wsgate.service_unavailable';

/** Options of the audit events. */
export interface AuditOptions {
  /**
   * Key of the hash that stands for a session id in the logs (`session` field): a short keyed
   * hash (HMAC-SHA-256), never the value the app passed. Set the same key on every instance to
   * correlate a session across them; by default a random key per process.
   * @default 32 random bytes
   */
  sessionIdKey?: string | Buffer;
}

/**
 * Builds every audit event: one builder per event. Call a builder once per event, when it
 * happens: upgrades accepted and refused, closes and refused messages are also counted as
 * metrics when they are built.
 */
export interface AuditEvents {
  /** The short keyed hash that stands for a session id in logs. */
  sessionRef(sessionId: string | undefined): string | undefined;
  upgradeAccepted(principal: Pick<Principal, 'subject' | 'sessionId'>, ip: string | undefined): AuditEvent;
  upgradeRefused(refusal: HandshakeRefusal): AuditEvent;
  closed(principal: Pick<Principal, 'subject' | 'sessionId'>, code: number): AuditEvent;
  messageRefused(code: string | number, principal?: Pick<Principal, 'subject'>): AuditEvent;
  handlerFailed(cause: unknown, name?: string): AuditEvent;
  socketError(code: string | undefined): AuditEvent;
  ticketIssued(subject: string, sessionId: string | undefined): AuditEvent;
  ticketRefused(status: number, code: string): AuditEvent;
  ticketRouteFailed(cause: unknown): AuditEvent;
  serviceUnavailable(code: string, where: 'ticket' | 'upgrade' | 'message'): AuditEvent;
}

const SESSION_REF_LENGTH = 16;

function event(
  name: AuditEventName,
  level: AuditLevel,
  message: string,
  fields: Record<string, AuditFieldValue>,
  cause?: unknown,
): AuditEvent {
  return BuiltAuditEvent.event(name, level, message, fields, cause);
}

/**
 * Creates the audit event builders of one gate. Each builder is called once per event, where it
 * happens; the events that are also metrics (upgrades accepted and refused, closes, refused
 * messages) are counted in `metrics` as they are built, so every adapter has the same counts.
 */
export function createAuditEvents(
  options: AuditOptions = {},
  metrics?: Pick<GateMetrics, 'upgradeAccepted' | 'upgradeRefused' | 'closed' | 'messageRefused'>,
): AuditEvents {
  const key = options.sessionIdKey ?? randomBytes(32);
  if ((typeof key !== 'string' && !Buffer.isBuffer(key)) || key.length === 0)
    throw new WsGateConfigError('audit.sessionIdKey must be a non-empty string or Buffer');
  const sessionRef = (sessionId: string | undefined): string | undefined =>
    sessionId === undefined
      ? undefined
      : createHmac('sha256', key).update(sessionId).digest('base64url').slice(0, SESSION_REF_LENGTH);

  const events: AuditEvents = {
    sessionRef,
    upgradeAccepted(principal, ip) {
      metrics?.upgradeAccepted();
      // The session hash costs more than the rest of the event: computed when a sink reads it.
      return BuiltAuditEvent.aboutPrincipal('wsgate.upgrade_accepted', 'WebSocket upgrade accepted', {
        subject: principal.subject,
        sessionId: principal.sessionId,
        last: 'ip',
        value: ip,
        hash: sessionRef,
      });
    },
    upgradeRefused(refusal) {
      metrics?.upgradeRefused(refusal.code, refusal.reason);
      return event('wsgate.upgrade_refused', 'info', 'WebSocket upgrade refused', {
        status: refusal.status,
        code: refusal.code,
        reason: refusal.reason,
        ip: refusal.clientIp,
        origin: refusal.origin,
      });
    },
    closed(principal, code) {
      metrics?.closed(code);
      return BuiltAuditEvent.aboutPrincipal('wsgate.close', 'WebSocket closed', {
        subject: principal.subject,
        sessionId: principal.sessionId,
        last: 'code',
        value: code,
        hash: sessionRef,
      });
    },
    messageRefused(code, principal) {
      metrics?.messageRefused(code);
      return event('wsgate.message_refused', 'info', 'message refused', {
        code,
        subject: principal?.subject,
      });
    },
    handlerFailed: (cause, name) =>
      event('wsgate.handler_failed', 'error', 'message handler failed', { message: name }, cause),
    socketError: (code) => event('wsgate.socket_error', 'info', 'WebSocket protocol error', { code }),
    ticketIssued: (subject, sessionId) =>
      event('wsgate.ticket_issued', 'info', 'ticket issued', { subject, session: sessionRef(sessionId) }),
    ticketRefused: (status, code) =>
      event('wsgate.ticket_refused', 'info', 'ticket refused', { status, code }),
    ticketRouteFailed: (cause) =>
      event('wsgate.ticket_route_failed', 'error', 'ticket route failed', {}, cause),
    serviceUnavailable: (code, where) =>
      event('wsgate.service_unavailable', 'warn', 'dependency unavailable', { code, where }),
  };
  return Object.freeze(events);
}

/**
 * An audit event as one flat log record: `event`, then its fields, then `err` when it has a
 * `cause`. Fields the event computes when read (the session hash) stay computed on demand in
 * the record: a logger that drops the record (a level turned off, a logger that writes nothing)
 * never computes them.
 *
 * @example
 * log.info(auditRecord(event), event.message);
 */
export function auditRecord(audit: AuditEvent): Record<string, unknown> {
  const record =
    audit instanceof BuiltAuditEvent
      ? BuiltAuditEvent.record(audit)
      : { event: audit.event, ...audit.fields };
  if (audit.cause !== undefined) record['err'] = audit.cause;
  return record;
}

/** One line of text for an audit event (`wsgate.close subject=alice code=1000`), for text loggers. */
export function auditLine(audit: AuditEvent): string {
  const fields = Object.entries(audit.fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${String(value)}`);
  return [audit.event, ...fields].join(' ');
}
