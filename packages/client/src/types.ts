import type { WsGateClientError } from './errors.js';

/** The shape every accepted inbound message has: a JSON object with a string `type`. */
export interface ServerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * The shape `send()` accepts by default: an object with a string `type`. Pass your own message
 * union as the second type argument of `connect()` for exact checks.
 */
export interface ClientMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Server messages when `connect()` is given no type argument: any `type`, properties `unknown`. */
export type DefaultServerMessages = Record<string, ServerMessage>;

/**
 * Turns the server-message type argument of `connect()` into a map from `type` to message:
 * a union of `{ type: ... }` objects is keyed by its `type`; a map is taken as it is.
 *
 * @example
 * ```ts
 * type A = MessageMap<{ type: 'welcome'; user: string } | { type: 'joined'; room: string }>;
 * // { welcome: { type: 'welcome'; user: string }; joined: { type: 'joined'; room: string } }
 * ```
 */
export type MessageMap<TServer> = [TServer] extends [{ readonly type: string }]
  ? { [M in TServer as M['type']]: M }
  : TServer;

/** Any one server message of `TServer` (map or union). */
export type MessageOf<TServer> = MessageMap<TServer>[keyof MessageMap<TServer>];

/**
 * Lifecycle of a client:
 * - `connecting` — first attempt: fetching a ticket, then the handshake.
 * - `open` — the socket is open.
 * - `reconnecting` — waiting out a backoff delay, or re-attempting, after a failure or a drop.
 * - `closed` — terminal: see the `stopped` event for why.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * Why a client stopped for good:
 * - `client` — you called `close()`.
 * - `unauthenticated` — the ticket endpoint answered 401, or the server closed with 4401.
 * - `forbidden` — the ticket endpoint answered 403, or the server closed with 4403.
 * - `retries-exhausted` — `reconnect.maxAttempts` retries failed in a row, or reconnecting is disabled.
 */
export type StopReason = 'client' | 'unauthenticated' | 'forbidden' | 'retries-exhausted';

/** Payload of the `close` event: one WebSocket closed (1006 for a refused or failed handshake). */
export interface CloseInfo {
  /** WebSocket close code. */
  readonly code: number;
  /** Close reason sent by the server (may be empty). */
  readonly reason: string;
}

/** Payload of the `retry` event: a new attempt is scheduled. */
export interface RetryInfo {
  /** 1 for the first retry since the last successful open. */
  readonly attempt: number;
  /** Backoff delay before the attempt, in milliseconds. */
  readonly delayMs: number;
}

/** Payload of the `stopped` event. */
export interface StopInfo {
  /** Why the client stopped. */
  readonly reason: StopReason;
  /** The WebSocket close code that stopped the client (4401, 4403), if any. */
  readonly closeCode?: number;
  /** The ticket endpoint's HTTP status that stopped the client (401, 403), if any. */
  readonly statusCode?: number;
}

/** Lifecycle events and their payloads. Their names are reserved (see {@link WsGateClient.on}). */
export interface ClientEvents<TMessage = ServerMessage> {
  /** The state changed. */
  state: ConnectionState;
  /** A WebSocket closed (also after a handshake that failed: code 1006). */
  close: CloseInfo;
  /** Something failed without stopping the client (malformed or refused frame, ticket request, handler). */
  error: WsGateClientError;
  /** The client stopped for good; the state is `closed`. */
  stopped: StopInfo;
  /** A retry is scheduled after a backoff delay. */
  retry: RetryInfo;
  /** Every valid inbound message, whatever its `type`. */
  message: TMessage;
}

/** Names that `on()` reserves for lifecycle events. */
export type ReservedEventName = keyof ClientEvents;

/** Unsubscribes the handler `on()` subscribed. */
export type Unsubscribe = () => void;

/**
 * A connected (or connecting) client, returned by `connect()`.
 *
 * @typeParam TServer - inbound messages: a map `{ [type]: message }` or a union of `{ type }` objects.
 * @typeParam TClient - what `send()` accepts.
 */
export interface WsGateClient<
  TServer = DefaultServerMessages,
  TClient extends { readonly type: string } = ClientMessage,
> {
  /** Current state. */
  readonly state: ConnectionState;

  /**
   * Subscribes to a lifecycle event (`state`, `close`, `error`, `stopped`, `retry`, `message`).
   * Returns a function that unsubscribes.
   */
  on<K extends keyof ClientEvents>(
    event: K,
    handler: (payload: ClientEvents<MessageOf<TServer>>[K]) => void,
  ): Unsubscribe;
  /**
   * Subscribes to inbound messages of one `type`. A message whose `type` is a reserved
   * lifecycle name (e.g. a server `{"type":"error"}` frame) reaches only `message` handlers.
   */
  on<K extends Exclude<keyof MessageMap<TServer> & string, ReservedEventName>>(
    type: K,
    handler: (message: MessageMap<TServer>[K]) => void,
  ): Unsubscribe;

  /** Unsubscribes a lifecycle handler. */
  off<K extends keyof ClientEvents>(
    event: K,
    handler: (payload: ClientEvents<MessageOf<TServer>>[K]) => void,
  ): void;
  /** Unsubscribes a message handler. */
  off<K extends Exclude<keyof MessageMap<TServer> & string, ReservedEventName>>(
    type: K,
    handler: (message: MessageMap<TServer>[K]) => void,
  ): void;

  /**
   * Sends `message` as JSON. While not open it is queued (up to `queueLimit`) and sent, in
   * order, right after the next open.
   *
   * @throws {@link WsGateClientError} `WSGATE_CLIENT_QUEUE_FULL` (not open, queue full),
   *   `WSGATE_CLIENT_CLOSED` (stopped), `WSGATE_CLIENT_SERIALIZATION_FAILED`.
   */
  send(message: TClient): void;

  /** Stops for good: cancels any retry or ticket request, closes the socket with 1000, drops the queue. */
  close(): void;
}
