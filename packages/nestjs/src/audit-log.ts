import type { LoggerService } from '@nestjs/common';
import type { AuditEvent } from '@wsgate/core';

/**
 * Writes a core audit event through a Nest logger: one line of JSON (`{"event":"wsgate.close",...}`)
 * at the event's level (`info` is Nest's `log`), the stack only for a server fault.
 */
export function logAuditEvent(logger: LoggerService, event: AuditEvent): void {
  const line = JSON.stringify({ event: event.event, ...event.fields });
  if (event.level === 'error')
    logger.error(line, event.cause instanceof Error ? event.cause.stack : undefined);
  else if (event.level === 'warn') logger.warn(line);
  else if (event.level === 'debug') logger.debug?.(line);
  else logger.log(line);
}
