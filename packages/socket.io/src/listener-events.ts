import { WsGateConfigError } from '@wsgate/core';

const kListeners = Symbol('wsgate.listener-events');

/**
 * The `events` option of a server whose own listeners handle events (`socket.on(name)`,
 * NestJS's `@SubscribeMessage`): built by {@link listenerEvents}.
 */
export interface ListenerEvents {
  readonly [kListeners]: true;
  /** Events whose payload may carry binary attachments. */
  readonly binary: ReadonlySet<string>;
}

/**
 * Events handled by the sockets' own listeners instead of `events` definitions, for adapters
 * whose framework dispatches and validates events itself (NestJS: `@SubscribeMessage` with
 * `WsValidationPipe` and `WsAuthGuard`). @wsgate still makes every check that needs no schema —
 * binary attachments (unless listed in `binary`), the token bucket, prototype keys and depth, one
 * payload argument plus an optional acknowledgement — and refuses an event no listener of the
 * socket handles (`VALIDATION_FAILED`), or one Socket.IO emits locally (`error`...); the rest
 * is passed on, acknowledgement included. Validating the payload is then the listener's job.
 *
 * @example
 * wsgateSocketIo(io, { gate, events: listenerEvents() });
 */
export function listenerEvents(options: { readonly binary?: readonly string[] } = {}): ListenerEvents {
  const binary = options.binary ?? [];
  if (!Array.isArray(binary) || binary.some((name) => typeof name !== 'string'))
    throw new WsGateConfigError('listenerEvents: binary must list event names');
  return Object.freeze({ [kListeners]: true as const, binary: new Set(binary) });
}

/** Whether an `events` option is {@link listenerEvents}. */
export function isListenerEvents(value: unknown): value is ListenerEvents {
  return (
    value !== null && typeof value === 'object' && (value as Partial<ListenerEvents>)[kListeners] === true
  );
}
