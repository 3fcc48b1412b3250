import { WsGateConfigError, type MessageRouter } from '@wsgate/core';
import type { WsGateSocket } from './types.js';

const kListeners = Symbol('wsgate.listener-events');

/**
 * What checks a socket's events before its listeners run: the `resolve` of a core router
 * (`gate.createRouter(routes, socketIoEnvelope)`): the event's name, its schema, its roles and
 * claims. Its handlers are not called: the socket's listeners are the handlers.
 */
export type EventResolver = Pick<MessageRouter<unknown>, 'resolve'>;

/**
 * The `events` option of a server whose own listeners handle events (`socket.on(name)`,
 * NestJS's `@SubscribeMessage`): built by {@link listenerEvents}.
 */
export interface ListenerEvents {
  readonly [kListeners]: true;
  /** Events whose payload may carry binary attachments. */
  readonly binary: ReadonlySet<string>;
  /** The resolver of each socket's events, when the payloads are validated here. */
  readonly resolverOf: ((socket: WsGateSocket) => EventResolver | undefined) | undefined;
}

/**
 * Events handled by the sockets' own listeners instead of `events` definitions, for adapters
 * whose framework dispatches events itself (NestJS's `@SubscribeMessage`). @wsgate still makes
 * every check that needs no schema — binary attachments (unless listed in `binary`), the token
 * bucket, prototype keys and depth, one payload argument plus an optional acknowledgement — and
 * refuses an event no listener of the socket handles (`VALIDATION_FAILED`), or one Socket.IO
 * emits locally (`error`...); the rest is passed on, acknowledgement included.
 *
 * Validating the payload is then the listener's job, unless `resolverOf` gives each socket's
 * resolver (see {@link EventResolver}): an event is then also refused unless its resolver routes
 * it (a socket without one: every event), its payload is validated and its access checked
 * before any listener runs, and the listener receives the validated payload (what the schema
 * made of it, e.g. a class-validator DTO instance).
 *
 * @example
 * wsgateSocketIo(io, { gate, events: listenerEvents() });
 */
export function listenerEvents(
  options: {
    readonly binary?: readonly string[];
    readonly resolverOf?: (socket: WsGateSocket) => EventResolver | undefined;
  } = {},
): ListenerEvents {
  const binary = options.binary ?? [];
  if (!Array.isArray(binary) || binary.some((name) => typeof name !== 'string'))
    throw new WsGateConfigError('listenerEvents: binary must list event names');
  const { resolverOf } = options;
  if (resolverOf !== undefined && typeof resolverOf !== 'function')
    throw new WsGateConfigError('listenerEvents: resolverOf must be a function');
  return Object.freeze({ [kListeners]: true as const, binary: new Set(binary), resolverOf });
}

/** Whether an `events` option is {@link listenerEvents}. */
export function isListenerEvents(value: unknown): value is ListenerEvents {
  return (
    value !== null && typeof value === 'object' && (value as Partial<ListenerEvents>)[kListeners] === true
  );
}
