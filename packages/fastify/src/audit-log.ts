import { auditRecord, type AuditEvent } from '@wsgate/core';
import type { FastifyBaseLogger } from 'fastify';

/** A pino logger (Fastify's) says whether it writes a level; other loggers may not. */
type LevelAwareLogger = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };

/**
 * Writes a core audit event through a Fastify logger (the request's, so that it carries the
 * request id): one line, the event's level, its fields, and `err` only for a server fault.
 * Nothing is built for a level the logger has turned off; for a logger that cannot say (Fastify's
 * `logger: false`, some custom loggers), fields computed on demand (the session hash) are
 * computed only if the logger reads them.
 */
export function logAudit(log: FastifyBaseLogger, audit: AuditEvent): void {
  const { isLevelEnabled } = log as LevelAwareLogger;
  if (typeof isLevelEnabled !== 'function') {
    log[audit.level](auditRecord(audit), audit.message);
    return;
  }
  if (!isLevelEnabled.call(log, audit.level)) return;
  const record: Record<string, unknown> = { event: audit.event, ...audit.fields };
  if (audit.cause !== undefined) record['err'] = audit.cause;
  log[audit.level](record, audit.message);
}
