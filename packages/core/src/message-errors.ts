import { errorCodeForStatus } from './http-errors.js';
import type { ValidationIssue } from './validator.js';

/**
 * Codes of a refused message (the socket stays open), one vocabulary for every adapter and
 * envelope. Apps add their own (`NOT_IN_ROOM`, ...).
 */
export type MessageErrorCode =
  | 'BAD_JSON'
  | 'VALIDATION_FAILED'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | (string & {});

/**
 * A refused message, before an envelope codec encodes it for the wire. Never carries a stack or
 * a value taken from the client's frame; `issues` name paths and rules only.
 */
export interface MessageError {
  readonly code: MessageErrorCode;
  readonly message: string;
  readonly issues?: readonly ValidationIssue[];
}

/** Builds a {@link MessageError}; use it for your own refusals (`NOT_IN_ROOM`, ...). */
export function messageError(
  code: MessageErrorCode,
  message: string,
  issues?: readonly ValidationIssue[],
): MessageError {
  return issues === undefined || issues.length === 0 ? { code, message } : { code, message, issues };
}

/** The fixed errors @wsgate answers with: one text per situation, for every adapter. */
export const MESSAGE_ERRORS = Object.freeze({
  badJson: messageError('BAD_JSON', 'message is not valid JSON'),
  poisonedJson: messageError(
    'BAD_JSON',
    'message contains a forbidden key (__proto__ or constructor.prototype)',
  ),
  tooDeep: messageError('BAD_JSON', 'message nests too deeply'),
  forbidden: messageError('FORBIDDEN', 'forbidden'),
  unauthenticated: messageError('UNAUTHENTICATED', 'not authenticated'),
  internal: messageError('INTERNAL_ERROR', 'internal error'),
  unavailable: messageError('SERVICE_UNAVAILABLE', 'service unavailable'),
});

/** `VALIDATION_FAILED` for a message that is not an envelope (`namePath`: where its name belongs). */
export function notAnEnvelope(namePath: string, description: string): MessageError {
  return messageError('VALIDATION_FAILED', `message must be ${description}`, [
    { path: namePath, message: 'must be a string' },
  ]);
}

/** `VALIDATION_FAILED` for a message name no route declares. */
export function unknownMessage(namePath: string): MessageError {
  return messageError('VALIDATION_FAILED', 'unknown message type', [
    { path: namePath, message: 'is not a known message type' },
  ]);
}

const SAFE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** `VALIDATION_FAILED` for a message that failed its schema: `invalid "join" message`. */
export function invalidMessage(name: string, issues: readonly ValidationIssue[]): MessageError {
  return messageError(
    'VALIDATION_FAILED',
    SAFE_NAME.test(name) ? `invalid "${name}" message` : 'invalid message',
    issues,
  );
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_ERROR_TEXT = 500;
const MAX_ISSUES = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * An error-shaped value (`{ code, message, issues? }`, e.g. what an app's handler threw) made
 * safe to send: only `code` (`UPPER_SNAKE`), `message` and well-formed `issues` survive, every
 * string bounded; anything else is `undefined` (then answer `INTERNAL_ERROR`).
 */
export function messageErrorFrom(candidate: unknown): MessageError | undefined {
  if (!isRecord(candidate)) return undefined;
  const { code, message, issues } = candidate;
  if (typeof code !== 'string' || !ERROR_CODE.test(code) || typeof message !== 'string' || message === '')
    return undefined;
  const safeIssues = Array.isArray(issues)
    ? issues
        .filter(
          (issue): issue is ValidationIssue =>
            isRecord(issue) && typeof issue['path'] === 'string' && typeof issue['message'] === 'string',
        )
        .slice(0, MAX_ISSUES)
        .map((issue) => ({ path: issue.path.slice(0, 200), message: issue.message.slice(0, MAX_ERROR_TEXT) }))
    : undefined;
  return messageError(code, message.slice(0, MAX_ERROR_TEXT), safeIssues);
}

/** The message error standing for an HTTP status (an HTTP exception thrown on the message path). */
export function messageErrorForStatus(status: number): MessageError {
  if (status === 400 || status === 422) return messageError('VALIDATION_FAILED', 'invalid message');
  if (status === 401) return MESSAGE_ERRORS.unauthenticated;
  if (status === 403) return MESSAGE_ERRORS.forbidden;
  if (status === 503) return MESSAGE_ERRORS.unavailable;
  if (status >= 500) return MESSAGE_ERRORS.internal;
  if (status === 429) return messageError('RATE_LIMITED', 'too many requests');
  const code = errorCodeForStatus(status);
  return messageError(code, code.toLowerCase().replace(/_/g, ' '));
}
