import { HttpException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { errorFrame, WsGateError, type ErrorFrame, type ValidationIssue } from '@wsgate/core';
import { WsGateMessageException } from './errors.js';

/** @internal Frames with fixed text: they never carry client input or internals. */
export const FRAMES = Object.freeze({
  forbidden: errorFrame('FORBIDDEN', 'forbidden'),
  unauthenticated: errorFrame('UNAUTHENTICATED', 'not authenticated'),
  internal: errorFrame('INTERNAL_ERROR', 'internal error'),
  unavailable: errorFrame('SERVICE_UNAVAILABLE', 'service unavailable'),
  unknownType: errorFrame('VALIDATION_FAILED', 'unknown message type', [
    { path: '/type', message: 'is not a known message type' },
  ]),
});

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
 * @internal An error-frame-shaped object (`code` + `message`) made safe to send: only `type`,
 * `code`, `message` and `issues` survive, all strings bounded; anything else is `undefined`.
 */
export function sanitizeFrame(candidate: unknown): ErrorFrame | undefined {
  if (!isRecord(candidate)) return undefined;
  const { code, message } = candidate;
  if (typeof code !== 'string' || !CODE.test(code) || typeof message !== 'string' || message === '')
    return undefined;
  return errorFrame(code, message.slice(0, MAX_MESSAGE), sanitizeIssues(candidate['issues']));
}

function frameForHttpStatus(status: number): ErrorFrame {
  if (status === 400 || status === 422) return errorFrame('VALIDATION_FAILED', 'invalid message');
  if (status === 401) return FRAMES.unauthenticated;
  if (status === 403) return FRAMES.forbidden;
  if (status === 404) return errorFrame('NOT_FOUND', 'not found');
  if (status === 429) return errorFrame('RATE_LIMITED', 'too many requests');
  if (status === 503) return FRAMES.unavailable;
  if (status >= 400 && status < 500) return errorFrame('BAD_REQUEST', 'bad request');
  return FRAMES.internal;
}

/** Result of {@link frameForException}: `expected` is false for faults that deserve a log line. */
export interface ExceptionFrame {
  readonly frame: ErrorFrame;
  readonly expected: boolean;
}

/**
 * @internal Maps whatever a handler, guard or pipe threw to the frame the client gets:
 * `WsGateMessageException` → its frame; a `WsException` with an error-frame object → that
 * frame; a denied guard → `FORBIDDEN`; a string `WsException` → `BAD_REQUEST` with that text;
 * an `HttpException` → a code for its status; everything else → `INTERNAL_ERROR`.
 */
export function frameForException(exception: unknown): ExceptionFrame {
  if (exception instanceof WsGateMessageException) return { frame: exception.frame, expected: true };
  if (exception instanceof WsException) {
    const error = exception.getError();
    if (typeof error === 'string') {
      if (error === FORBIDDEN_MESSAGE) return { frame: FRAMES.forbidden, expected: true };
      return {
        frame: errorFrame('BAD_REQUEST', error.slice(0, MAX_MESSAGE) || 'bad request'),
        expected: true,
      };
    }
    const frame = sanitizeFrame(error);
    return frame === undefined ? { frame: FRAMES.internal, expected: false } : { frame, expected: true };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { frame: frameForHttpStatus(status), expected: status < 500 };
  }
  if (exception instanceof WsGateError && exception.statusCode === 503)
    return { frame: FRAMES.unavailable, expected: false };
  return { frame: FRAMES.internal, expected: false };
}

/**
 * @internal Maps the payload Nest's default `BaseWsExceptionFilter` emits as a local
 * `exception` event on a raw `ws` socket (where it would otherwise be lost, nestjs/nest#9056).
 */
export function frameForEmittedPayload(payload: unknown): ErrorFrame {
  const frame = sanitizeFrame(payload);
  if (frame !== undefined) return frame;
  if (!isRecord(payload) || typeof payload['message'] !== 'string') return FRAMES.internal;
  const message = payload['message'];
  if (message === FORBIDDEN_MESSAGE) return FRAMES.forbidden;
  // Nest's text for an unknown error: the exception itself was not a WsException.
  if (message === UNKNOWN_EXCEPTION_MESSAGE || message === '') return FRAMES.internal;
  return errorFrame('BAD_REQUEST', message.slice(0, MAX_MESSAGE));
}
