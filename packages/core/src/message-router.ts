import type { AuditEvent, AuditEvents } from './audit-events.js';
import { DEFAULTS } from './defaults.js';
import type { EnvelopeCodec } from './envelope-codecs.js';
import { WsGateConfigError, WsGateError } from './errors.js';
import {
  createFrameChecker,
  resolveFrameLimits,
  type FrameLimits,
  type RawFrame,
  type ResolvedFrameLimits,
} from './frame-check.js';
import { isMessageAllowed, type MessageAccess } from './message-authorization.js';
import {
  invalidMessage,
  MESSAGE_ERRORS,
  messageError,
  unknownMessage,
  type MessageError,
  type MessageErrorCode,
} from './message-errors.js';
import type { Principal } from './ticket-service.js';
import type { ValidationIssue, Validator } from './validator.js';

/**
 * What one message name accepts and who may send it. The handler is declared as a method so
 * that routes with different payload types fit one route table.
 */
export interface MessageRoute<P = unknown, Ctx = unknown> extends MessageAccess {
  /** Validator of the payload; `undefined` only for a route explicitly declared raw. */
  readonly validator: Validator<P> | undefined;
  /**
   * Handles a valid, authorized message. A returned value (or the value a returned promise
   * resolves to) other than `undefined` is sent back as JSON; a thrown `MessageRejection` is
   * answered with its error; anything else thrown is answered `INTERNAL_ERROR` and logged.
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
  /** It threw anything else: answer `INTERNAL_ERROR`, log `cause` (audit `handler_failed`). */
  | { readonly kind: 'failed'; readonly error: MessageError; readonly cause: unknown };

function handlerFailure(cause: unknown): HandlerOutcome {
  return cause instanceof MessageRejection
    ? { kind: 'rejected', error: cause.error }
    : { kind: 'failed', error: MESSAGE_ERRORS.internal, cause };
}

/**
 * Runs a route's handler and tells how it ended, synchronously when the handler returned a
 * plain value or threw, through a promise (that never rejects) when it returned one. Every
 * adapter answers from it: the router with frames, Socket.IO with acks and `exception` events.
 */
export function runMessageHandler<Ctx>(
  route: Pick<MessageRoute<unknown, Ctx>, 'handle'>,
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

/** Options of {@link createMessageRouter}. */
export interface MessageRouterOptions<Ctx> {
  /** Routes by message name. Names not listed are refused (`VALIDATION_FAILED`). */
  routes: Readonly<Record<string, MessageRoute<unknown, Ctx>>>;
  /** The wire envelope. */
  codec: EnvelopeCodec;
  /** Limits of every inbound frame (size, rate, depth). @default DEFAULTS */
  frames?: FrameLimits;
  /** Audit event builders (the gate's). */
  audit: AuditEvents;
  /** How long a close waits for replies of messages already being handled, ms. @default 1_000 */
  closeFlushMs?: number;
}

/** One connection, as the router sees it. */
export interface RouterConnection<Ctx> {
  /** The connection's principal (read per message: claims may be refreshed). */
  readonly principal: Principal;
  /** Handed to every handler. */
  readonly context: Ctx;
  /** Sends one text frame. */
  send(text: string): void;
  /** Closes the connection. */
  close(code: number, reason: string): void;
  /** Receives this connection's audit events (refusals, handler faults). */
  report(event: AuditEvent): void;
}

/** The frames of one connection, routed. */
export interface ConnectionRouter {
  /** Checks, decodes, validates, authorizes and dispatches one inbound frame. Never throws. */
  receive(data: RawFrame, isBinary: boolean): void;
  /** Whether a close has been decided (later frames are ignored). */
  readonly closing: boolean;
}

/** Result of {@link MessageRouter.resolve}. */
export type RouteResolution<Ctx> =
  | {
      readonly ok: true;
      readonly name: string;
      readonly route: MessageRoute<unknown, Ctx>;
      readonly payload: unknown;
    }
  | { readonly ok: false; readonly error: MessageError; readonly cause?: unknown };

/** Messages routed by name, with one schema and one access rule per name, over any envelope. */
export interface MessageRouter<Ctx> {
  readonly codec: EnvelopeCodec;
  readonly limits: ResolvedFrameLimits;
  /** The declared message names. */
  readonly names: readonly string[];
  /**
   * Validation, then authorization, of one decoded message (validation first: a message that is
   * both invalid and not allowed is `VALIDATION_FAILED`). For transports that decode frames
   * themselves (Socket.IO). Never throws.
   */
  resolve(name: string, payload: unknown, principal: Pick<Principal, 'claims'>): RouteResolution<Ctx>;
  /** Routes the frames of one connection. */
  connect(connection: RouterConnection<Ctx>): ConnectionRouter;
  /** `error`, encoded by the envelope, as JSON text. */
  encodeError(error: MessageError): string;
}

function prefixIssues(prefix: string, issues: readonly ValidationIssue[]): ValidationIssue[] {
  return prefix === '' ? [...issues] : issues.map((issue) => ({ ...issue, path: `${prefix}${issue.path}` }));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Creates a message router: the one place where a message is checked (frame limits, safe
 * JSON), split by its envelope, validated against its route's schema, authorized (roles,
 * claims) and handed to its handler. Every adapter routes through it, with the envelope its
 * wire uses.
 *
 * @example
 * const router = createMessageRouter({
 *   codec: typeEnvelope,
 *   audit: gate.audit,
 *   routes: { whoami: { validator: toValidator(Type.Object({ type: Type.Literal('whoami') }), 'whoami'), handle: () => ({ type: 'whoami' }) } },
 * });
 */
export function createMessageRouter<Ctx>(options: MessageRouterOptions<Ctx>): MessageRouter<Ctx> {
  const { codec, audit } = options;
  if (codec === undefined || typeof codec.decode !== 'function')
    throw new WsGateConfigError('codec must be an EnvelopeCodec');
  const routes = options.routes;
  if (routes === null || typeof routes !== 'object') throw new WsGateConfigError('routes must be an object');
  for (const [name, route] of Object.entries(routes)) {
    if (route === null || typeof route !== 'object' || typeof route.handle !== 'function')
      throw new WsGateConfigError(`route "${name}" needs a handler`);
    if (route.validator !== undefined && typeof route.validator.validate !== 'function')
      throw new WsGateConfigError(`route "${name}" has a validator without validate()`);
  }
  const limits = resolveFrameLimits(options.frames);
  const closeFlushMs = options.closeFlushMs ?? DEFAULTS.closeFlushMs;
  const encodeError = (error: MessageError) => JSON.stringify(codec.encodeError(error));

  function resolve(
    name: string,
    payload: unknown,
    principal: Pick<Principal, 'claims'>,
  ): RouteResolution<Ctx> {
    if (!Object.hasOwn(routes, name)) return { ok: false, error: unknownMessage(codec.namePath) };
    const route = routes[name] as MessageRoute<unknown, Ctx>;
    let value = payload;
    if (route.validator !== undefined) {
      try {
        const result = route.validator.validate(payload);
        if (!result.ok)
          return { ok: false, error: invalidMessage(name, prefixIssues(codec.payloadPath, result.issues)) };
        value = result.value;
      } catch (cause) {
        // A schema that cannot work (asynchronous) is the app's configuration error; any other
        // throw counts as an invalid message, with nothing of the error sent.
        if (cause instanceof WsGateConfigError) return { ok: false, error: MESSAGE_ERRORS.internal, cause };
        return { ok: false, error: invalidMessage(name, []) };
      }
    }
    if (!isMessageAllowed(principal, route)) return { ok: false, error: MESSAGE_ERRORS.forbidden };
    return { ok: true, name, route, payload: value };
  }

  function connect(connection: RouterConnection<Ctx>): ConnectionRouter {
    const frames = createFrameChecker(limits);
    const pending = new Set<PromiseLike<unknown>>();
    let closing = false;

    const sendError = (error: MessageError) => connection.send(encodeError(error));
    const refuse = (error: MessageError) => {
      connection.report(audit.messageRefused(error.code, connection.principal));
      sendError(error);
    };
    const fail = (cause: unknown, name: string) => {
      if (cause instanceof MessageRejection) {
        refuse(cause.error);
        return;
      }
      connection.report(audit.handlerFailed(cause, name));
      sendError(MESSAGE_ERRORS.internal);
    };
    const reply = (value: unknown, name: string) => {
      if (value === undefined || closing) return;
      let text: string;
      try {
        text = JSON.stringify(value);
      } catch (cause) {
        fail(cause, name);
        return;
      }
      connection.send(text);
    };
    /** Closes once the replies of messages already being handled are out (bounded wait). */
    const closeAfterPending = (code: number, reason: string) => {
      closing = true;
      if (pending.size === 0) {
        connection.close(code, reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const flushed = new Promise<void>((resolveFlush) => {
        timer = setTimeout(resolveFlush, closeFlushMs);
        timer.unref();
        void Promise.allSettled([...pending]).then(() => resolveFlush());
      });
      void flushed.then(() => {
        clearTimeout(timer);
        connection.close(code, reason);
      });
    };

    const answer = (outcome: HandlerOutcome, name: string) => {
      if (outcome.kind === 'value') reply(outcome.value, name);
      else if (outcome.kind === 'rejected') refuse(outcome.error);
      else {
        connection.report(audit.handlerFailed(outcome.cause, name));
        sendError(outcome.error);
      }
    };
    const dispatch = (route: MessageRoute<unknown, Ctx>, payload: unknown, name: string) => {
      const outcome = runMessageHandler(route, payload, connection.context);
      if (!isThenable(outcome)) {
        answer(outcome, name);
        return;
      }
      // Replies are dropped once closing (reply() checks it); so are late failures.
      const settled = outcome.then((late) => {
        if (late.kind === 'value' || !closing) answer(late, name);
      });
      pending.add(settled);
      void settled.finally(() => pending.delete(settled));
    };

    return {
      get closing() {
        return closing;
      },
      receive(data, isBinary) {
        if (closing) return;
        const checked = frames.check(data, isBinary);
        if (!checked.ok) {
          if (checked.action === 'reply') {
            refuse(checked.error);
            return;
          }
          connection.report(audit.messageRefused(checked.closeCode, connection.principal));
          closeAfterPending(checked.closeCode, checked.reason);
          return;
        }
        const decoded = codec.decode(checked.value);
        if (!decoded.ok) {
          refuse(decoded.error);
          return;
        }
        const resolution = resolve(decoded.name, decoded.payload, connection.principal);
        if (!resolution.ok) {
          if (resolution.cause !== undefined) fail(resolution.cause, decoded.name);
          else refuse(resolution.error);
          return;
        }
        dispatch(resolution.route, resolution.payload, decoded.name);
      },
    };
  }

  return Object.freeze({
    codec,
    limits,
    names: Object.freeze(Object.keys(routes)),
    resolve,
    connect,
    encodeError,
  });
}
