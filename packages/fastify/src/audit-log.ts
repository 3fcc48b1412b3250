import type { AuditEvent } from '@wsgate/core';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Writes a core audit event through a Fastify logger (the request's, so that it carries the
 * request id): one line, the event's level, its fields, and `err` only for a server fault.
 */
export function logAudit(log: FastifyBaseLogger, audit: AuditEvent): void {
  const fields = audit.cause === undefined ? audit.fields : { ...audit.fields, err: audit.cause };
  log[audit.level]({ event: audit.event, ...fields }, audit.message);
}
