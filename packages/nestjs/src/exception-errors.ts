import { HttpException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import {
  errorCodeForStatus,
  MESSAGE_ERRORS,
  messageError,
  WsGateError,
  type MessageError,
  type ValidationIssue,
} from '@wsgate/core';
import { WsGateMessageException } from './errors.js';

/** Nest's text for a guard that returned `false` (`FORBIDDEN_MESSAGE` in @nestjs/core/guards/constants). */
const FORBIDDEN_MESSAGE = 'Forbidden resource';
/** Nest's text for a non-WsException error (`MESSAGES.UNKNOWN_EXCEPTION_MESSAGE` in @nestjs/core/constants). */
const UNKNOWN_EXCEPTION_MESSAGE = 'Internal server error';
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_MESSAGE = 500;
const MAX_ISSUES = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sanitizeIssues(issues: unknown): ValidationIssue[] | undefined {
  if (!Array.isArray(issues)) return undefined;
  return issues
    .filter(
      (issue): issue is ValidationIssue =>
        isRecord(issue) && typeof issue['path'] === 'string' && typeof issue['message'] === 'string',
    )
    .slice(0, MAX_ISSUES)
    .map((issue) => ({ path: issue.path.slice(0, 200), message: issue.message.slice(0, MAX_MESSAGE) }));
}

/**
 * An error-shaped object (`code` + `message`) made safe to send: only `code`, `message` and
 * `issues` survive, all strings bounded; anything else is `undefined`.
 */
function sanitizeError(candidate: unknown): MessageError | undefined {
  if (!isRecord(candidate)) return undefined;
  const { code, message } = candidate;
  if (typeof code !== 'string' || !CODE.test(code) || typeof message !== 'string' || message === '')
    return undefined;
  return messageError(code, message.slice(0, MAX_MESSAGE), sanitizeIssues(candidate['issues']));
}

function errorForHttpStatus(status: number): MessageError {
  if (status === 400 || status === 422) return messageError('VALIDATION_FAILED', 'invalid message');
  if (status === 401) return MESSAGE_ERRORS.unauthenticated;
  if (status === 403) return MESSAGE_ERRORS.forbidden;
  if (status >= 500) return status === 503 ? MESSAGE_ERRORS.unavailable : MESSAGE_ERRORS.internal;
  if (status === 429) return messageError('RATE_LIMITED', 'too many requests');
  const code = errorCodeForStatus(status);
  return messageError(code, code.toLowerCase().replace(/_/g, ' '));
}

/** What a handler, guard or pipe threw, as the error the client gets; `expected` false for faults worth a log line. */
export interface ExceptionError {
  readonly error: MessageError;
  readonly expected: boolean;
}

/**
 * @internal Maps what a handler, guard or pipe threw to the error the client gets:
 * `WsGateMessageException` → its error; a `WsException` with an error object → that error; a
 * denied guard → `FORBIDDEN`; a string `WsException` → `BAD_REQUEST` with that text; an
 * `HttpException` → a code for its status; everything else → `INTERNAL_ERROR`.
 */
export function errorForException(exception: unknown): ExceptionError {
  if (exception instanceof WsGateMessageException) return { error: exception.refusal, expected: true };
  if (exception instanceof WsException) {
    const error = exception.getError();
    if (typeof error === 'string') {
      if (error === FORBIDDEN_MESSAGE) return { error: MESSAGE_ERRORS.forbidden, expected: true };
      return {
        error: messageError('BAD_REQUEST', error.slice(0, MAX_MESSAGE) || 'bad request'),
        expected: true,
      };
    }
    const sanitized = sanitizeError(error);
    return sanitized === undefined
      ? { error: MESSAGE_ERRORS.internal, expected: false }
      : { error: sanitized, expected: true };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { error: errorForHttpStatus(status), expected: status < 500 };
  }
  if (exception instanceof WsGateError && exception.statusCode === 503)
    return { error: MESSAGE_ERRORS.unavailable, expected: false };
  return { error: MESSAGE_ERRORS.internal, expected: false };
}

/**
 * @internal Maps the payload Nest's default `BaseWsExceptionFilter` emits as a local `exception`
 * event on a raw `ws` socket (where it would otherwise be lost, nestjs/nest#9056).
 */
export function errorForEmittedPayload(payload: unknown): MessageError {
  const sanitized = sanitizeError(payload);
  if (sanitized !== undefined) return sanitized;
  if (!isRecord(payload) || typeof payload['message'] !== 'string') return MESSAGE_ERRORS.internal;
  const message = payload['message'];
  if (message === FORBIDDEN_MESSAGE) return MESSAGE_ERRORS.forbidden;
  if (message === UNKNOWN_EXCEPTION_MESSAGE || message === '') return MESSAGE_ERRORS.internal;
  return messageError('BAD_REQUEST', message.slice(0, MAX_MESSAGE));
}
