import { WsGateError } from './errors.js';
import { MESSAGE_ERRORS, messageError, type MessageError, type MessageErrorCode } from './message-errors.js';
import { isThenable } from './thenable.js';
import type { ValidationIssue } from './validator.js';

/** The part of a message route that handles a valid, authorized message. */
export interface MessageHandling<P = unknown, Ctx = unknown> {
  /**
   * Handles a valid, authorized message. A returned value (or the value a returned promise
   * resolves to) other than `undefined` is sent back as JSON; a thrown `MessageRejection` is
   * answered with its error; anything else thrown is answered `INTERNAL_ERROR` (or
   * `SERVICE_UNAVAILABLE` for a `WsGateError` with status 503) and logged.
   */
  handle(payload: P, context: Ctx): unknown;
}

/** A refusal thrown by a handler: answered with its error frame, the socket stays open. */
export class MessageRejection extends WsGateError {
  /** The error sent to the client. */
  readonly error: MessageError;

  constructor(code: MessageErrorCode, message: string, issues?: readonly ValidationIssue[]) {
    super('WSGATE_MESSAGE_REJECTED', message);
    this.error = messageError(code, message, issues);
  }
}

/** How one run of a handler ended. */
export type HandlerOutcome =
  /** The handler returned (or its promise resolved to) `value`. */
  | { readonly kind: 'value'; readonly value: unknown }
  /** It threw a {@link MessageRejection}: answer with `error` (audit `message_refused`). */
  | { readonly kind: 'rejected'; readonly error: MessageError }
  /** It threw anything else: answer `error` (see `messageErrorOfFault`), log `cause` (audit `handler_failed`). */
  | { readonly kind: 'failed'; readonly error: MessageError; readonly cause: unknown };

/**
 * The error a client gets for a handler's fault (anything thrown but a `MessageRejection`):
 * `SERVICE_UNAVAILABLE` for a `WsGateError` with status 503 (a store out of reach: worth a
 * retry, as on the ticket route), else `INTERNAL_ERROR`. Never the fault's own text: the cause
 * is for the log.
 */
export function messageErrorOfFault(cause: unknown): MessageError {
  return cause instanceof WsGateError && cause.statusCode === 503
    ? MESSAGE_ERRORS.unavailable
    : MESSAGE_ERRORS.internal;
}

function handlerFailure(cause: unknown): HandlerOutcome {
  return cause instanceof MessageRejection
    ? { kind: 'rejected', error: cause.error }
    : { kind: 'failed', error: messageErrorOfFault(cause), cause };
}

/**
 * Runs a route's handler and tells how it ended, synchronously when the handler returned a
 * plain value or threw, through a promise (that never rejects) when it returned one. Every
 * adapter answers from it: the router with frames, Socket.IO with acks and `exception` events.
 */
export function runMessageHandler<Ctx>(
  route: MessageHandling<unknown, Ctx>,
  payload: unknown,
  context: Ctx,
): HandlerOutcome | Promise<HandlerOutcome> {
  let result: unknown;
  try {
    result = route.handle(payload, context);
  } catch (cause) {
    return handlerFailure(cause);
  }
  if (!isThenable(result)) return { kind: 'value', value: result };
  return Promise.resolve(result).then((value): HandlerOutcome => ({ kind: 'value', value }), handlerFailure);
}
