import { HttpException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import {
  MESSAGE_ERRORS,
  messageError,
  messageErrorForStatus,
  messageErrorFrom,
  messageErrorOfFault,
  type MessageError,
} from '@wsgate/core';
import { WsGateMessageException } from './errors.js';

/** Nest's text for a guard that returned `false` (`FORBIDDEN_MESSAGE` in @nestjs/core/guards/constants). */
const FORBIDDEN_MESSAGE = 'Forbidden resource';
/** Nest's text for a non-WsException error (`MESSAGES.UNKNOWN_EXCEPTION_MESSAGE` in @nestjs/core/constants). */
const UNKNOWN_EXCEPTION_MESSAGE = 'Internal server error';

/** What a handler, guard or pipe threw, as the error the client gets; `expected` false for faults worth a log line. */
export interface ExceptionError {
  readonly error: MessageError;
  readonly expected: boolean;
}

/** A string WsException: Nest's denied guard, or the app's own text (`BAD_REQUEST`). */
function errorForText(text: string): MessageError {
  if (text === FORBIDDEN_MESSAGE) return MESSAGE_ERRORS.forbidden;
  return (
    messageErrorFrom({ code: 'BAD_REQUEST', message: text }) ?? messageError('BAD_REQUEST', 'bad request')
  );
}

/**
 * @internal Maps what a handler, guard or pipe threw to the error the client gets:
 * `WsGateMessageException` → its error; a `WsException` with an error object → that error
 * (made safe); a denied guard → `FORBIDDEN`; a string `WsException` → `BAD_REQUEST` with that text;
 * an `HttpException` → a code for its status; everything else → `INTERNAL_ERROR`.
 */
export function errorForException(exception: unknown): ExceptionError {
  if (exception instanceof WsGateMessageException) return { error: exception.refusal, expected: true };
  if (exception instanceof WsException) {
    const error = exception.getError();
    if (typeof error === 'string') return { error: errorForText(error), expected: true };
    const safe = messageErrorFrom(error);
    return safe === undefined
      ? { error: MESSAGE_ERRORS.internal, expected: false }
      : { error: safe, expected: true };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { error: messageErrorForStatus(status), expected: status < 500 };
  }
  return { error: messageErrorOfFault(exception), expected: false };
}

/**
 * @internal Maps the payload Nest's default `BaseWsExceptionFilter` emits as a local `exception`
 * event on a raw `ws` socket (where it would otherwise be lost, nestjs/nest#9056).
 */
export function errorForEmittedPayload(payload: unknown): MessageError {
  const safe = messageErrorFrom(payload);
  if (safe !== undefined) return safe;
  const message = (payload as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || message === UNKNOWN_EXCEPTION_MESSAGE || message === '')
    return MESSAGE_ERRORS.internal;
  return errorForText(message);
}
