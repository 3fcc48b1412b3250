import type { ServerMessage } from './types.js';

/** Result of parsing one inbound frame. */
export type ParsedFrame =
  | { readonly ok: true; readonly message: ServerMessage }
  | { readonly ok: false; readonly reason: 'binary frame' | 'not JSON' | 'not an object with a string type' };

/**
 * Parses an inbound frame as data: `JSON.parse` only (never evaluated, never treated as HTML),
 * and accepted only as a plain object with a string `type`. Never throws.
 */
export function parseFrame(data: unknown): ParsedFrame {
  if (typeof data !== 'string') return { ok: false, reason: 'binary frame' };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    typeof (value as { type?: unknown }).type !== 'string'
  ) {
    return { ok: false, reason: 'not an object with a string type' };
  }
  return { ok: true, message: value as ServerMessage };
}
