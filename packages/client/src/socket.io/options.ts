import type { BackoffPolicy } from '../backoff.js';
import { WsGateClientError } from '../errors.js';
import type { FetchLike, ReconnectOptions, TimerFunctions } from '../options.js';
import type { SocketIoClientSocketLike, SocketIoConnectOptions, SocketIoLookup } from './types.js';

/** {@link SocketIoConnectOptions}, defaulted and checked. */
export interface SocketIoClientConfig<S extends SocketIoClientSocketLike> {
  readonly io: SocketIoLookup<S>;
  readonly url: string;
  readonly ticketUrl: string;
  readonly fetchInit: RequestInit;
  readonly fetch: FetchLike;
  readonly queryParam: string;
  /** The socket's options: the user's, with the helper's reconnection settings. */
  readonly socketOptions: Readonly<Record<string, unknown>>;
  /** The user's handshake query, to which each ticket is added. */
  readonly query: Readonly<Record<string, unknown>>;
  readonly reconnect: BackoffPolicy & { readonly maxAttempts: number; readonly timers: TimerFunctions };
}

const OWN_OPTIONS = ['reconnection', 'autoConnect', 'forceNew'];

function invalid(message: string): WsGateClientError {
  return new WsGateClientError('WSGATE_CLIENT_INVALID_OPTION', message);
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${name} must be a non-empty string`);
  return value;
}

function objectOption(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function numberOption(name: string, value: unknown, fallback: number, valid: (n: number) => boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || !valid(value))
    throw invalid(`${name} is out of range`);
  return value;
}

function resolveReconnect(
  input: ReconnectOptions | boolean | undefined,
): SocketIoClientConfig<never>['reconnect'] {
  const options = typeof input === 'object' && input !== null ? input : {};
  const enabled = input !== false && options.enabled !== false;
  const initialDelayMs = numberOption(
    'reconnect.initialDelayMs',
    options.initialDelayMs,
    500,
    (n) => n >= 0 && Number.isFinite(n),
  );
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw invalid('reconnect.random must be a function');
  return Object.freeze({
    maxAttempts: enabled
      ? numberOption(
          'reconnect.maxAttempts',
          options.maxAttempts,
          Infinity,
          (n) => n >= 0 && (Number.isInteger(n) || n === Infinity),
        )
      : 0,
    initialDelayMs,
    maxDelayMs: numberOption(
      'reconnect.maxDelayMs',
      options.maxDelayMs,
      30_000,
      (n) => n >= initialDelayMs && Number.isFinite(n),
    ),
    factor: numberOption('reconnect.factor', options.factor, 2, (n) => n >= 1 && Number.isFinite(n)),
    random,
    timers: options.timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (handle) =>
        globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
    },
  });
}

/** Reads, defaults and validates the options of `connectSocketIo()`, once. Throws `WSGATE_CLIENT_INVALID_OPTION`. */
export function resolveSocketIoOptions<S extends SocketIoClientSocketLike>(
  options: SocketIoConnectOptions<S>,
): SocketIoClientConfig<S> {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  if (typeof options.io !== 'function') throw invalid("io must be socket.io-client's io function");
  const queryParam =
    options.queryParam === undefined ? 'ticket' : nonEmptyString('queryParam', options.queryParam);
  const socketOptions = objectOption('socketOptions', options.socketOptions);
  const own = OWN_OPTIONS.filter((name) => name in socketOptions);
  if (own.length > 0)
    throw invalid(`socketOptions must not set ${own.join(', ')}: the helper reconnects itself`);
  const query = objectOption('socketOptions.query', socketOptions['query']);
  if (queryParam in query)
    throw invalid(`socketOptions.query must not carry "${queryParam}": the helper adds a fresh ticket`);
  const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
  const fetchFunction = options.fetch ?? (globalFetch && ((input, init) => globalFetch(input, init)));
  if (typeof fetchFunction !== 'function') throw invalid('no fetch implementation: pass the fetch option');
  return Object.freeze({
    io: options.io,
    url: nonEmptyString('url', options.url),
    ticketUrl: nonEmptyString('ticketUrl', options.ticketUrl),
    fetchInit: { ...objectOption('fetchInit', options.fetchInit) },
    fetch: fetchFunction,
    queryParam,
    query: Object.freeze({ ...query }),
    socketOptions: Object.freeze({
      transports: ['websocket'],
      ...socketOptions,
      query: { ...query },
      reconnection: false,
      autoConnect: false,
      forceNew: true,
    }),
    reconnect: resolveReconnect(options.reconnect),
  });
}
