import { WsGateConfigError, type AuditEvent, type AuditLevel } from '@wsgate/core';

/** A logger with one method per level taking `(fields, message)`: pino, Fastify's `app.log`, bunyan. */
export type LevelLogger = Record<AuditLevel, (fields: object, message: string) => void>;

/** Receives every audit event (`wsgate.*`) of a secured server. */
export type AuditSink = (event: AuditEvent) => void;

const LEVELS: readonly AuditLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * The audit sink of a `logger` option: the function itself, or one line per event on a level
 * logger (its level, its fields, `err` only for a server fault). Nothing when absent.
 */
export function resolveAuditSink(logger: LevelLogger | AuditSink | undefined): AuditSink {
  if (logger === undefined) return () => undefined;
  if (typeof logger === 'function') return logger;
  const levels: Partial<LevelLogger> = logger !== null && typeof logger === 'object' ? logger : {};
  if (LEVELS.some((level) => typeof levels[level] !== 'function'))
    throw new WsGateConfigError('logger must be a function or have debug, info, warn and error methods');
  const write = levels as LevelLogger;
  return (audit) => {
    const fields = audit.cause === undefined ? audit.fields : { ...audit.fields, err: audit.cause };
    write[audit.level]({ event: audit.event, ...fields }, audit.message);
  };
}
