import {
  WsGateConfigError,
  writeAuditEvent,
  type AuditEvent,
  type AuditLevel,
  type LevelLogger,
} from '@wsgate/core';

export type { LevelLogger };

/** Receives every audit event (`wsgate.*`) of a secured server. */
export type AuditSink = (event: AuditEvent) => void;

const LEVELS: readonly AuditLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * The audit sink of a `logger` option: the function itself, or one line per event on a level
 * logger (core's `writeAuditEvent`: its level, its fields, `err` only for a server fault).
 * Nothing when absent.
 */
export function resolveAuditSink(logger: LevelLogger | AuditSink | undefined): AuditSink {
  if (logger === undefined) return () => undefined;
  if (typeof logger === 'function') return logger;
  const levels: Partial<LevelLogger> = logger !== null && typeof logger === 'object' ? logger : {};
  if (LEVELS.some((level) => typeof levels[level] !== 'function'))
    throw new WsGateConfigError('logger must be a function or have debug, info, warn and error methods');
  return writeAuditEvent.bind(undefined, levels as LevelLogger);
}
