import { auditRecord, type AuditEvent, type AuditLevel } from './audit-events.js';

/**
 * A logger with one method per level taking `(fields, message)`: pino, Fastify's `app.log` and
 * `request.log`, bunyan. A pino logger also says whether it writes a level (`isLevelEnabled`).
 */
export type LevelLogger = Record<AuditLevel, (fields: object, message: string) => void>;

/** A level logger that may say whether it writes a level (pino's `isLevelEnabled`). */
type LevelAwareLogger = LevelLogger & { isLevelEnabled?: (level: string) => boolean };

/**
 * Writes an audit event on a level logger: one line, at the event's level, with `event`, its
 * fields, and `err` only for a server fault. Nothing is built for a level the logger says it has
 * turned off; for a logger that cannot say (Fastify's `logger: false`, bunyan, custom loggers),
 * fields computed on demand (the session hash) are computed only if the logger reads them (see
 * {@link auditRecord}).
 *
 * @example
 * writeAuditEvent(request.log, answer.audit);
 */
export function writeAuditEvent(logger: LevelLogger, audit: AuditEvent): void {
  const { isLevelEnabled } = logger as LevelAwareLogger;
  if (typeof isLevelEnabled === 'function' && !isLevelEnabled.call(logger, audit.level)) return;
  logger[audit.level](auditRecord(audit), audit.message);
}
