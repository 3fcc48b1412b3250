import type { WsGateClientError } from '../errors.js';
import type { FetchLike, ReconnectOptions } from '../options.js';
import type { ConnectionState, RetryInfo, Unsubscribe } from '../types.js';

/**
 * The parts of a socket.io-client `Socket` the helper uses, typed structurally so that the helper
 * does not import socket.io-client (your bundle keeps the one you import).
 */
export interface SocketIoClientSocketLike {
  /** Whether the socket is connected to its namespace. */
  readonly connected: boolean;
  /** Its `Manager`: the helper sets the ticket in `io.opts.query` before each connection. */
  readonly io: { opts: { query?: unknown } };
  connect(): unknown;
  disconnect(): unknown;
  on(event: 'connect', listener: () => void): unknown;
  on(event: 'connect_error', listener: (error: Error) => void): unknown;
  on(event: 'disconnect', listener: (reason: string) => void): unknown;
  on(event: 'exception', listener: (payload: unknown) => void): unknown;
}

/** socket.io-client's `io()` (`import { io } from 'socket.io-client'`), or a function like it. */
export type SocketIoLookup<S extends SocketIoClientSocketLike> = (
  url: string,
  options: Record<string, unknown>,
) => S;

/** Options of {@link connectSocketIo}. */
export interface SocketIoConnectOptions<S extends SocketIoClientSocketLike> {
  /** socket.io-client's `io` function. */
  io: SocketIoLookup<S>;
  /** The Socket.IO server URL, with the namespace in its path (as for `io()`), e.g. `https://app.example.com/chat`. */
  url: string;
  /** URL of the ticket endpoint, called with `POST` before every connection attempt (e.g. `/ws-ticket`). */
  ticketUrl: string;
  /**
   * socket.io-client options (`path`, `query`, `auth`, `extraHeaders`, `transports`...), without
   * `reconnection`, `autoConnect` and `forceNew`, which are the helper's, and without the ticket's
   * query parameter. `transports` defaults to `['websocket']`.
   * @default {}
   */
  socketOptions?: Record<string, unknown>;
  /** Extra `fetch` options for the ticket request, over `{ method: 'POST', credentials: 'include' }`. @default {} */
  fetchInit?: RequestInit;
  /** Query parameter carrying the ticket. @default 'ticket' */
  queryParam?: string;
  /** Reconnect policy (the `ws` client's), or `false` to never retry. @default {} */
  reconnect?: ReconnectOptions | boolean;
  /** `fetch` function. @default globalThis.fetch */
  fetch?: FetchLike;
}

/**
 * Why the helper stopped for good:
 * - `client` — you called `close()`, or disconnected the socket yourself;
 * - `unauthenticated` / `forbidden` — the ticket endpoint answered 401 / 403, or the server
 *   disconnected the socket after an `exception` `UNAUTHENTICATED` / `FORBIDDEN` (revocation);
 * - `server-disconnect` — the server disconnected the socket for another reason (a flood, binary
 *   data: see the `exception` code);
 * - `retries-exhausted` — `reconnect.maxAttempts` retries failed in a row, or reconnecting is off.
 */
export type SocketIoStopReason =
  'client' | 'unauthenticated' | 'forbidden' | 'server-disconnect' | 'retries-exhausted';

/** Payload of the `stopped` event. */
export interface SocketIoStopInfo {
  readonly reason: SocketIoStopReason;
  /** The ticket endpoint's status that stopped the helper (401, 403), if any. */
  readonly statusCode?: number;
  /** The code of the last `exception` the server sent before it disconnected the socket, if any. */
  readonly code?: string;
}

/** Lifecycle events of the helper (the socket's own events stay on the socket). */
export interface SocketIoClientEvents {
  /** The state changed. */
  state: ConnectionState;
  /** A retry is scheduled after a backoff delay. */
  retry: RetryInfo;
  /** The helper stopped for good; the state is `closed`. */
  stopped: SocketIoStopInfo;
  /** Something failed without stopping the helper (a ticket request, a connection attempt, a handler). */
  error: WsGateClientError;
}

/** A socket.io-client socket kept connected with fresh tickets. */
export interface WsGateSocketIoClient<S extends SocketIoClientSocketLike> {
  /** The socket.io-client socket: the same object across reconnections (listen and emit on it). */
  readonly socket: S;
  /** Current state. */
  readonly state: ConnectionState;
  /** Subscribes to a lifecycle event. Returns a function that unsubscribes. */
  on<K extends keyof SocketIoClientEvents>(
    event: K,
    handler: (payload: SocketIoClientEvents[K]) => void,
  ): Unsubscribe;
  /** Unsubscribes a lifecycle handler. */
  off<K extends keyof SocketIoClientEvents>(
    event: K,
    handler: (payload: SocketIoClientEvents[K]) => void,
  ): void;
  /** Stops for good: cancels any retry or ticket request and disconnects the socket. */
  close(): void;
}
