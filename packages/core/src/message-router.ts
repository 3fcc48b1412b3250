import type { AuditEvent, AuditEvents } from './audit-events.js';
import { DEFAULTS } from './defaults.js';
import type { EnvelopeCodec } from './envelope-codecs.js';
import { WsGateConfigError } from './errors.js';
import {
  resolveFrameLimits,
  type FrameLimits,
  type RawFrame,
  type ResolvedFrameLimits,
} from './frame-check.js';
import { isMessageAllowed, type MessageAccess } from './message-authorization.js';
import { invalidMessage, MESSAGE_ERRORS, unknownMessage, type MessageError } from './message-errors.js';
import { RoutedConnection, type RouterCore } from './routed-connection.js';
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

  const core: RouterCore<Ctx> = { codec, audit, limits, closeFlushMs, resolve, encodeError };
  const connect = (connection: RouterConnection<Ctx>): ConnectionRouter =>
    new RoutedConnection(core, connection);

  return Object.freeze({
    codec,
    limits,
    names: Object.freeze(Object.keys(routes)),
    resolve,
    connect,
    encodeError,
  });
}
