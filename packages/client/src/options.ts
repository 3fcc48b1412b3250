import { WsGateClientError } from './errors.js';
import { resolveSchemas, type ServerSchemas } from './frame-schemas.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { TicketTransport } from './transports.js';

/**
 * The part of a WebSocket instance the client uses. The DOM `WebSocket` and the `ws` package's
 * `WebSocket` both fit. Handler properties take `never` so that any event type fits.
 */
export interface WebSocketLike {
  /** 1 when open. */
  readonly readyState: number;
  /** Sends a text frame. */
  send(data: string): void;
  /** Closes the connection. */
  close(code?: number, reason?: string): void;
  /** Set by the client: the connection opened. */
  onopen: ((event: never) => void) | null;
  /** Set by the client: receives `{ data }`; text frames arrive as strings. */
  onmessage: ((event: never) => void) | null;
  /** Set by the client: receives `{ code, reason }`. */
  onclose: ((event: never) => void) | null;
  /** Set by the client: ignored, since `close` follows and carries the outcome. */
  onerror: ((event: never) => void) | null;
}

/** A WebSocket class: `globalThis.WebSocket`, or `WebSocket` from the `ws` package. */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The part of a `fetch` response the client reads. */
export interface TicketResponseLike {
  /** Whether the status is 2xx. */
  readonly ok: boolean;
  /** HTTP status. */
  readonly status: number;
  /** Parses the body as JSON. */
  json(): Promise<unknown>;
}

/** A `fetch` function: `globalThis.fetch` or a compatible one. */
export type FetchLike = (input: string, init: RequestInit) => Promise<TicketResponseLike>;

/** Timer functions, injectable for tests. */
export interface TimerFunctions {
  /** Runs `callback` after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending `setTimeout` (called with `undefined` when none is pending). */
  clearTimeout(handle: unknown): void;
}

/** How the client retries after a failed attempt or a dropped connection. */
export interface ReconnectOptions {
  /** Whether to retry at all. `false` stops after the first failure or drop. @default true */
  enabled?: boolean;
  /** Ceiling of the first delay, in ms. @default 500 */
  initialDelayMs?: number;
  /** Largest ceiling of any delay, in ms. @default 30_000 */
  maxDelayMs?: number;
  /** Growth of the ceiling per retry. @default 2 */
  factor?: number;
  /** Retries in a row (reset by every successful open) before giving up. @default Infinity */
  maxAttempts?: number;
  /**
   * Ceiling of the random wait, in ms, before the first attempt after a close with 4000
   * (re-authenticate: the server's connection lifetime was reached). That attempt gets no
   * backoff delay, only this jitter, so that the clients of a whole server do not all come back
   * in the same instant. @default 250
   */
  reauthenticateJitterMs?: number;
  /** Uniform random number in [0, 1), for the full jitter. @default Math.random */
  random?: () => number;
  /** Timer functions. @default globalThis.setTimeout / globalThis.clearTimeout */
  timers?: TimerFunctions;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** URL of the ticket endpoint, called with `POST` before every connection attempt (e.g. `/ws-ticket`). */
  ticketUrl: string;
  /**
   * WebSocket URL (`ws:` or `wss:`; `http(s):` and, in a browser, relative URLs are converted).
   * No fragment, and no parameter named `queryParam`.
   */
  url: string;
  /**
   * Extra `fetch` options for the ticket request, merged over
   * `{ method: 'POST', credentials: 'include' }`.
   * @default {}
   */
  fetchInit?: RequestInit;
  /**
   * Where the ticket travels in the handshake: `?ticket=` in the URL, or a
   * `wsgate.ticket.<ticket>` subprotocol beside `wsgate`.
   * @default 'subprotocol'
   */
  transport?: TicketTransport;
  /** Query parameter name for the `query` transport. @default 'ticket' */
  queryParam?: string;
  /** Reconnect policy, or `false` to never retry. @default {} (all defaults, enabled) */
  reconnect?: ReconnectOptions | boolean;
  /** Largest number of messages `send()` queues while not open; `0` makes `send()` throw instead. @default 100 */
  queueLimit?: number;
  /**
   * Schemas for server frames, keyed by frame `type` ([Standard Schema](https://standardschema.dev):
   * Zod 4, Valibot 1, ArkType 2, ...). Given, every inbound frame is validated synchronously by
   * the schema of its `type` and handlers receive the schema's output; a frame that fails, or
   * whose `type` has no schema, is dropped and reported as an `error` event. Unknown keys follow
   * the library's own policy (e.g. Zod's `z.object` strips them, `z.strictObject` refuses them).
   * @default undefined (frames are only checked for being JSON objects with a string `type`)
   */
  schemas?: ServerSchemas;
  /** WebSocket class. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructorLike;
  /** `fetch` function. @default globalThis.fetch */
  fetch?: FetchLike;
}

/** Options after defaults and validation. */
export interface ClientConfig {
  readonly ticketUrl: string;
  readonly url: string;
  readonly fetchInit: RequestInit;
  readonly transport: TicketTransport;
  readonly queryParam: string;
  readonly reconnect: {
    readonly maxAttempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
    readonly factor: number;
    readonly reauthenticateJitterMs: number;
    readonly random: () => number;
    readonly timers: TimerFunctions;
  };
  readonly queueLimit: number;
  /** Schema per frame `type`, or `undefined` when no `schemas` were given. */
  readonly schemas: ReadonlyMap<string, StandardSchemaV1> | undefined;
  readonly WebSocket: WebSocketConstructorLike;
  readonly fetch: FetchLike;
}

const TRANSPORTS: readonly string[] = ['query', 'subprotocol'];

function invalid(message: string): WsGateClientError {
  return new WsGateClientError('WSGATE_CLIENT_INVALID_OPTION', message);
}

function number(value: unknown, fallback: number, name: string, check: (n: number) => boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || !check(value))
    throw invalid(`${name} is out of range`);
  return value;
}

function resolveUrl(value: unknown, queryParam: string): string {
  if (typeof value !== 'string' || value === '') throw invalid('url must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(value, (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    throw invalid('url is not a valid URL');
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw invalid('url must use ws: or wss:');
  if (parsed.hash !== '' || value.includes('#')) throw invalid('url must not have a fragment');
  if (parsed.searchParams.has(queryParam))
    throw invalid(`url must not already carry a "${queryParam}" parameter`);
  return parsed.href;
}

/** Reads, defaults and validates the options of `connect()`, once. Throws `WSGATE_CLIENT_INVALID_OPTION`. */
export function resolveOptions(options: ConnectOptions): ClientConfig {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const {
    ticketUrl,
    fetchInit = {},
    transport = 'subprotocol',
    queryParam = 'ticket',
    queueLimit = 100,
  } = options;
  if (typeof ticketUrl !== 'string' || ticketUrl === '')
    throw invalid('ticketUrl must be a non-empty string');
  if (typeof fetchInit !== 'object' || fetchInit === null) throw invalid('fetchInit must be an object');
  if (!TRANSPORTS.includes(transport)) throw invalid(`transport must be one of ${TRANSPORTS.join(', ')}`);
  if (typeof queryParam !== 'string' || queryParam === '')
    throw invalid('queryParam must be a non-empty string');
  if (!Number.isInteger(queueLimit) || queueLimit < 0) throw invalid('queueLimit must be an integer >= 0');

  const reconnect: ReconnectOptions =
    typeof options.reconnect === 'object' && options.reconnect !== null ? options.reconnect : {};
  const enabled = options.reconnect !== false && reconnect.enabled !== false;
  const maxAttempts = number(
    reconnect.maxAttempts,
    Infinity,
    'reconnect.maxAttempts',
    (n) => n >= 0 && (Number.isInteger(n) || n === Infinity),
  );
  const initialDelayMs = number(
    reconnect.initialDelayMs,
    500,
    'reconnect.initialDelayMs',
    (n) => n >= 0 && Number.isFinite(n),
  );
  const maxDelayMs = number(
    reconnect.maxDelayMs,
    30_000,
    'reconnect.maxDelayMs',
    (n) => n >= initialDelayMs && Number.isFinite(n),
  );
  const factor = number(reconnect.factor, 2, 'reconnect.factor', (n) => n >= 1 && Number.isFinite(n));
  const reauthenticateJitterMs = number(
    reconnect.reauthenticateJitterMs,
    250,
    'reconnect.reauthenticateJitterMs',
    (n) => n >= 0 && Number.isFinite(n),
  );
  const random = reconnect.random ?? Math.random;
  if (typeof random !== 'function') throw invalid('reconnect.random must be a function');
  const timers: TimerFunctions = reconnect.timers ?? {
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle) =>
      globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
  };

  const WebSocketClass =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (typeof WebSocketClass !== 'function')
    throw invalid('no WebSocket implementation: pass the WebSocket option');
  const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
  const fetchFunction: FetchLike | undefined =
    options.fetch ?? (globalFetch && ((input, init) => globalFetch(input, init)));
  if (typeof fetchFunction !== 'function') throw invalid('no fetch implementation: pass the fetch option');

  return Object.freeze({
    ticketUrl,
    url: resolveUrl(options.url, queryParam),
    fetchInit: { ...fetchInit },
    transport,
    queryParam,
    reconnect: Object.freeze({
      maxAttempts: enabled ? maxAttempts : 0,
      initialDelayMs,
      maxDelayMs,
      factor,
      reauthenticateJitterMs,
      random,
      timers,
    }),
    queueLimit,
    schemas: resolveSchemas(options.schemas),
    WebSocket: WebSocketClass,
    fetch: fetchFunction,
  });
}
