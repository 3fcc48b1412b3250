import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import type { AuditEvent, AuditLevel } from '@wsgate/core';

const NEST_LEVELS: Readonly<Record<AuditLevel, LogLevel>> = {
  error: 'error',
  warn: 'warn',
  info: 'log',
  debug: 'debug',
};

const ALL_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Whether a Nest `Logger` would drop a line at `level`: the app's log levels leave it out, or the
 * app has no logger (`logger: false`). Other loggers are asked nothing (they print it all).
 */
function isSilenced(logger: LoggerService, level: AuditLevel): boolean {
  if (!(logger instanceof Logger)) return false;
  if ((logger.localInstance as LoggerService | undefined) === undefined) return true;
  // No levels set at all (Nest's default) reads as "none enabled": then every level prints.
  return !Logger.isLevelEnabled(NEST_LEVELS[level]) && ALL_LEVELS.some((each) => Logger.isLevelEnabled(each));
}

/**
 * Writes a core audit event through a Nest logger: one line of JSON (`{"event":"wsgate.close",...}`)
 * at the event's level (`info` is Nest's `log`), the stack only for a server fault. Nothing is
 * built (no fields, no session hash) for a level a Nest `Logger` does not print.
 */
export function logAuditEvent(logger: LoggerService, event: AuditEvent): void {
  if (isSilenced(logger, event.level)) return;
  const line = JSON.stringify({ event: event.event, ...event.fields });
  if (event.level === 'error')
    logger.error(line, event.cause instanceof Error ? event.cause.stack : undefined);
  else if (event.level === 'warn') logger.warn(line);
  else if (event.level === 'debug') logger.debug?.(line);
  else logger.log(line);
}
