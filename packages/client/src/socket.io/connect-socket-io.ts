import { backoffDelay } from '../backoff.js';
import { type AnyHandler, Emitter } from '../emitter.js';
import { WsGateClientError } from '../errors.js';
import type { ClientConfig } from '../options.js';
import { requestTicket, type TicketResult } from '../ticket-fetcher.js';
import type { ConnectionState } from '../types.js';
import { resolveSocketIoOptions } from './options.js';
import type {
  SocketIoClientEvents,
  SocketIoClientSocketLike,
  SocketIoConnectOptions,
  SocketIoStopInfo,
  SocketIoStopReason,
  WsGateSocketIoClient,
} from './types.js';

/** `exception` codes that, followed by a server-side disconnect, stop the helper with that reason. */
const TERMINAL_CODES: Readonly<Record<string, SocketIoStopReason>> = {
  UNAUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'forbidden',
};

/** The `code` of an `exception` payload, when it is a string (the payload is data, nothing more). */
function exceptionCode(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const { code } = payload as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}

/**
 * Keeps a socket.io-client socket connected to a @wsgate Socket.IO server: a fresh single-use
 * ticket before the first connection and before every reconnection (socket.io-client's own
 * reconnection is off: its `reconnect_attempt` cannot wait for a ticket), retries with the `ws`
 * client's exponential backoff and full jitter, and a stop for good when authentication is
 * refused — the ticket endpoint answers 401/403 (asked again after a failed connection, since
 * browsers hide the status of a refused upgrade), or the server disconnects the socket after an
 * `exception` `UNAUTHENTICATED`/`FORBIDDEN`. A transport close (lifetime, drain, network)
 * reconnects; any other server-side disconnect stops. Payloads are the socket's business: the
 * helper reads only the `code` of `exception` events, as data.
 *
 * @throws {@link WsGateClientError} `WSGATE_CLIENT_INVALID_OPTION` for invalid options.
 *
 * @example
 * ```ts
 * import { io } from 'socket.io-client';
 * const client = connectSocketIo({ io, url: 'https://app.example.com', ticketUrl: '/ws-ticket' });
 * client.socket.on('welcome', (welcome) => console.log(welcome.user));
 * client.on('stopped', ({ reason }) => reason === 'unauthenticated' && location.assign('/login'));
 * const answer = await client.socket.emitWithAck('join', { room: 'lobby' });
 * ```
 */
export function connectSocketIo<S extends SocketIoClientSocketLike>(
  options: SocketIoConnectOptions<S>,
): WsGateSocketIoClient<S> {
  const config = resolveSocketIoOptions(options);
  const { timers } = config.reconnect;
  // The ticket fetcher reads only `ticketUrl`, `fetch` and `fetchInit` of a client config.
  const ticketConfig = { ticketUrl: config.ticketUrl, fetch: config.fetch, fetchInit: config.fetchInit };
  const socket = config.io(config.url, { ...config.socketOptions });
  const emitter = new Emitter();
  let state: ConnectionState = 'connecting';
  let stopped = false;
  let attempting = false;
  let failures = 0;
  let timer: unknown;
  let request: AbortController | undefined;
  let lastExceptionCode: string | undefined;

  const emit = <K extends keyof SocketIoClientEvents>(name: K, payload: SocketIoClientEvents[K]): void =>
    emitter.emit(name, payload, (cause) => {
      if (name !== 'error')
        emit(
          'error',
          new WsGateClientError('WSGATE_CLIENT_HANDLER_FAILED', `a '${name}' handler threw`, { cause }),
        );
    });
  const setState = (next: ConnectionState): void => {
    if (state === next) return;
    state = next;
    emit('state', next);
  };
  const setTicket = (ticket: string | undefined): void => {
    const query: Record<string, unknown> = { ...config.query };
    if (ticket !== undefined) query[config.queryParam] = ticket;
    socket.io.opts.query = query;
  };

  const stop = (reason: SocketIoStopReason, detail: Omit<SocketIoStopInfo, 'reason'> = {}): void => {
    if (stopped) return;
    stopped = true;
    timers.clearTimeout(timer);
    request?.abort();
    setTicket(undefined);
    setState('closed');
    emit('stopped', { reason, ...detail });
  };

  /** One ticket request; `undefined` when the helper stopped meanwhile (or on 401/403, which stop it). */
  const fetchTicket = async (): Promise<Exclude<TicketResult, { kind: 'refused' }> | undefined> => {
    const controller = new AbortController();
    request = controller;
    const result = await requestTicket(ticketConfig as ClientConfig, controller.signal);
    if (stopped || request !== controller) return undefined;
    request = undefined;
    if (result.kind === 'refused') {
      stop(result.statusCode === 401 ? 'unauthenticated' : 'forbidden', { statusCode: result.statusCode });
      return undefined;
    }
    if (result.kind === 'failed') emit('error', result.error);
    return stopped ? undefined : result;
  };

  const scheduleRetry = (): void => {
    if (stopped) return;
    if (failures >= config.reconnect.maxAttempts) {
      stop('retries-exhausted');
      return;
    }
    const delayMs = backoffDelay(failures, config.reconnect);
    failures += 1;
    setState('reconnecting');
    if (!stopped) emit('retry', { attempt: failures, delayMs });
    if (!stopped) timer = timers.setTimeout(() => void attempt(), delayMs);
  };

  const attempt = async (): Promise<void> => {
    const result = await fetchTicket();
    if (result === undefined) return;
    if (result.kind === 'failed') {
      scheduleRetry();
      return;
    }
    setTicket(result.ticket);
    lastExceptionCode = undefined;
    attempting = true;
    socket.connect();
  };

  socket.on('connect', () => {
    attempting = false;
    setTicket(undefined); // spent: never presented again
    if (stopped) return;
    failures = 0;
    setState('open');
  });
  socket.on('connect_error', () => {
    if (!attempting) return;
    attempting = false;
    setTicket(undefined);
    if (stopped) return;
    emit('error', new WsGateClientError('WSGATE_CLIENT_CONNECTION_FAILED', 'the connection attempt failed'));
    // Still logged in? The ticket endpoint says (a refused upgrade's status is hidden from us).
    void fetchTicket().then((probe) => {
      if (probe !== undefined) scheduleRetry();
    });
  });
  socket.on('exception', (payload) => {
    lastExceptionCode = exceptionCode(payload) ?? lastExceptionCode;
  });
  socket.on('disconnect', (reason) => {
    attempting = false;
    if (stopped) return;
    if (reason === 'io client disconnect') stop('client');
    else if (reason === 'io server disconnect') {
      const code = lastExceptionCode;
      const terminal =
        code !== undefined && Object.hasOwn(TERMINAL_CODES, code) ? TERMINAL_CODES[code] : undefined;
      stop(terminal ?? 'server-disconnect', code === undefined ? {} : { code });
    } else scheduleRetry();
  });

  const client: WsGateSocketIoClient<S> = {
    socket,
    get state() {
      return state;
    },
    on(name, handler) {
      emitter.on(name, handler as AnyHandler);
      return () => emitter.off(name, handler as AnyHandler);
    },
    off(name, handler) {
      emitter.off(name, handler as AnyHandler);
    },
    close() {
      stop('client');
      socket.disconnect();
    },
  };
  void attempt();
  return Object.freeze(client);
}
