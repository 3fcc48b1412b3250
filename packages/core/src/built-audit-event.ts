import type { AuditEvent, AuditEventName, AuditFieldValue, AuditLevel } from './audit-events.js';

/**
 * What an event about one connection's principal (`wsgate.upgrade_accepted`, `wsgate.close`)
 * holds until a sink reads its fields: the session id is hashed (a keyed hash costs more than the
 * rest of the event) only then.
 */
export interface PrincipalFields {
  readonly subject: string;
  readonly sessionId: string | undefined;
  /** The field after `session`: `ip` of an accepted upgrade, `code` of a close. */
  readonly last: 'ip' | 'code';
  readonly value: string | number | undefined;
  /** The session hash (the gate's `sessionRef`). */
  readonly hash: (sessionId: string | undefined) => string | undefined;
}

function fieldsOf(principal: PrincipalFields, session: string | undefined): Record<string, AuditFieldValue> {
  const { subject, value } = principal;
  return { subject, session, [principal.last]: value };
}

/**
 * An audit event as core builds it, frozen. The fields of a principal's event are built when first
 * read (`fields`, `toJSON`); {@link BuiltAuditEvent.record} gives a sink a log record whose
 * `session` is computed only if the sink reads it.
 */
export class BuiltAuditEvent implements AuditEvent {
  readonly event: AuditEventName;
  readonly level: AuditLevel;
  readonly message: string;
  declare readonly cause?: unknown;
  #fields: Readonly<Record<string, AuditFieldValue>> | undefined;
  readonly #principal: PrincipalFields | undefined;

  /** Use `event()` or `aboutPrincipal()`. */
  private constructor(
    name: AuditEventName,
    level: AuditLevel,
    message: string,
    fields: Record<string, AuditFieldValue> | undefined,
    principal: PrincipalFields | undefined,
    cause: unknown,
  ) {
    this.event = name;
    this.level = level;
    this.message = message;
    this.#fields = fields;
    this.#principal = principal;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
    Object.freeze(this);
  }

  /** An event with its fields as they are. */
  static event(
    name: AuditEventName,
    level: AuditLevel,
    message: string,
    fields: Record<string, AuditFieldValue>,
    cause?: unknown,
  ): BuiltAuditEvent {
    return new BuiltAuditEvent(name, level, message, fields, undefined, cause);
  }

  /** An `info` event about a principal's connection: its fields (and session hash) built when read. */
  static aboutPrincipal(name: AuditEventName, message: string, principal: PrincipalFields): BuiltAuditEvent {
    return new BuiltAuditEvent(name, 'info', message, undefined, principal, undefined);
  }

  get fields(): Readonly<Record<string, AuditFieldValue>> {
    if (this.#fields === undefined) {
      const principal = this.#principal as PrincipalFields;
      this.#fields = fieldsOf(principal, principal.hash(principal.sessionId));
    }
    return this.#fields;
  }

  /** The event as `JSON.stringify` writes it: its name, level, message, fields and cause. */
  toJSON(): Record<string, unknown> {
    const { event, level, message, fields, cause } = this;
    return cause === undefined ? { event, level, message, fields } : { event, level, message, fields, cause };
  }

  /** A log record of an event core built: `event` then the fields, `session` computed when read. */
  static record(audit: BuiltAuditEvent): Record<string, unknown> {
    const principal = audit.#principal;
    if (audit.#fields !== undefined || principal === undefined)
      return { event: audit.event, ...audit.fields };
    let computed: { session: string | undefined } | undefined;
    const session = () => (computed ??= { session: principal.hash(principal.sessionId) }).session;
    const { subject, value } = principal;
    return {
      event: audit.event,
      subject,
      get session() {
        return session();
      },
      [principal.last]: value,
    };
  }
}
