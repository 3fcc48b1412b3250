import { WsGateConfigError } from '@wsgate/core';
import type { RedisLogger } from './logger.js';

/** `value` if it is a positive integer, `fallback` if it is undefined; throws otherwise. */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  const resolved = value === undefined ? fallback : value;
  if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < 1) {
    throw new WsGateConfigError(`${name} must be a positive integer`);
  }
  return resolved;
}

/** `value` if it is a non-empty string, `fallback` if it is undefined; throws otherwise. */
export function nonEmptyString(name: string, value: unknown, fallback: string): string {
  const resolved = value === undefined ? fallback : value;
  if (typeof resolved !== 'string' || resolved === '')
    throw new WsGateConfigError(`${name} must be a non-empty string`);
  return resolved;
}

/** `value` if it is a function; throws otherwise. */
export function requiredFunction<F>(name: string, value: F): F {
  if (typeof value !== 'function') throw new WsGateConfigError(`${name} must be a function`);
  return value;
}

/** `value` if it is undefined or an object whose `info`/`warn`/`error` are functions when present. */
export function optionalLogger(value: unknown): RedisLogger | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object')
    throw new WsGateConfigError('logger must be an object with info/warn/error methods');
  for (const level of ['info', 'warn', 'error'] as const) {
    const method = (value as Record<string, unknown>)[level];
    if (method !== undefined && typeof method !== 'function')
      throw new WsGateConfigError(`logger.${level} must be a function`);
  }
  return value as RedisLogger;
}
