// Predicates over server frames and the shape checks every error frame must pass.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Frame, FramePredicate } from 'test-support/ws-client';

export type ErrorCode = 'BAD_JSON' | 'VALIDATION_FAILED' | 'NOT_IN_ROOM' | 'FORBIDDEN' | 'TOO_MANY_ROOMS';

export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function ofType(type: string): FramePredicate {
  return (message) => message['type'] === type;
}

export function errorWithCode(code: ErrorCode): FramePredicate {
  return (message) => message['type'] === 'error' && message['code'] === code;
}

export const anyError: FramePredicate = (message) => message['type'] === 'error';

export function chatWithText(text: string): FramePredicate {
  return (message) => message['type'] === 'chat' && message['text'] === text;
}

export function announceWithText(text: string): FramePredicate {
  return (message) => message['type'] === 'announce' && message['text'] === text;
}

/** Any frame whose text contains `marker` anywhere (used to prove nothing was broadcast). */
export function mentions(marker: string): FramePredicate {
  return (message) => JSON.stringify(message).includes(marker);
}

/** A unique lower-case alphanumeric marker, e.g. `mk3f9a…` (also a valid room name). */
export function uniqueMarker(prefix = 'mk'): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

/** A unique valid room name (`^[a-z0-9_-]{1,32}$`). */
export function uniqueRoom(): string {
  return uniqueMarker('room-');
}

const ERROR_KEYS = new Set(['type', 'code', 'message', 'issues']);
const STACK_TRACE = /\bat [^"\s]+ \(|(?:\.[cm]?[jt]s|node:internal[^"]*):\d+:\d+/;

/**
 * Asserts `frame` is an error frame with `code` and nothing else: keys exactly type, code,
 * message (+ issues, an array), no stack trace, and none of `mustNotContain` (client input).
 */
export function expectErrorFrame(
  frame: Frame,
  code: ErrorCode,
  mustNotContain: readonly string[] = [],
): void {
  const message = frame.message;
  expect(message, `not a JSON object frame: ${frame.raw}`).toBeDefined();
  if (message === undefined) return;
  expect(
    Object.keys(message).filter((key) => !ERROR_KEYS.has(key)),
    'unexpected keys in an error frame',
  ).toEqual([]);
  expect(message).toMatchObject({ type: 'error', code, message: expect.any(String) });
  expect(String(message['message']).length).toBeGreaterThan(0);
  if ('issues' in message) expect(Array.isArray(message['issues']), 'issues must be an array').toBe(true);
  expect(frame.raw).not.toMatch(STACK_TRACE);
  expect(frame.raw).not.toContain('"stack"');
  for (const input of mustNotContain) {
    expect(
      frame.raw.includes(input),
      `the error frame echoes client input ${JSON.stringify(input.slice(0, 40))}`,
    ).toBe(false);
  }
}
