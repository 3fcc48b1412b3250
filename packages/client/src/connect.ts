import { backoffDelay, jitterDelay } from './backoff.js';
import { closeAction } from './close-codes.js';
import { type AnyHandler, Emitter } from './emitter.js';
import { WsGateClientError } from './errors.js';
import { parseFrame } from './frame-parser.js';
import {
  checkFrame,
  type SchemaMessages,
  type SchemasFor,
  type ServerSchemas,
  type UntypedSchemas,
} from './frame-schemas.js';
import { type ConnectOptions, resolveOptions, type WebSocketLike } from './options.js';
import { requestTicket, type TicketResult } from './ticket-fetcher.js';
import { buildHandshake } from './transports.js';
import type {
  ClientEvents,
  ClientMessage,
  CloseInfo,
  ConnectionState,
  DefaultServerMessages,
  StopInfo,
  StopReason,
  WsGateClient,
} from './types.js';

const RESERVED: ReadonlySet<string> = new Set<keyof ClientEvents>([
  'state',
  'close',
  'error',
  'stopped',
  'retry',
  'message',
]);

/**
 * Connects to a @wsgate server: fetches a fresh single-use ticket, opens the WebSocket with
 * it, and keeps the connection up — every attempt with a new ticket, retries with exponential
 * backoff and full jitter, and a stop for good when authentication is refused (ticket endpoint
 * 401/403, close code 4401/4403). A close with 4000 (re-authenticate: the server's connection
 * lifetime was reached) reconnects at once, after a short jitter only; 1012 (service restart)
 * and any other close reconnect after the backoff delay.
 *
 * With `schemas`, every inbound frame is validated by the schema of its `type` and handlers are
 * typed by the schemas' outputs; the second type argument, if any, types `send()`
 * (`connect<typeof schemas, ClientMessages>(...)`).
 *
 * @typeParam S - the `schemas` option: a Standard Schema per frame `type`.
 * @typeParam TClient - outbound messages accepted by `send()`.
 * @throws {@link WsGateClientError} `WSGATE_CLIENT_INVALID_OPTION` for invalid options.
 *
 * @example
 * ```ts
 * const client = connect({
 *   ticketUrl: '/ws-ticket',
 *   url: '/ws',
 *   schemas: { welcome: z.object({ type: z.literal('welcome'), user: z.string() }) },
 * });
 * client.on('welcome', (message) => console.log(message.user)); // message: { type: 'welcome'; user: string }
 * ```
 */
export function connect<
  S extends ServerSchemas & SchemasFor<S>,
  TClient extends { readonly type: string } = ClientMessage,
>(options: ConnectOptions & { readonly schemas: S }): WsGateClient<SchemaMessages<S>, TClient>;
/**
 * Connects to a @wsgate server without schemas: inbound frames are checked only for being JSON
 * objects with a string `type`, and typed by the type argument, a promise the server makes.
 * See the overload with `schemas` for the connection lifecycle.
 *
 * @typeParam TServer - inbound messages: a map `{ [type]: message }` or a union of `{ type }` objects.
 * @typeParam TClient - outbound messages accepted by `send()`.
 * @throws {@link WsGateClientError} `WSGATE_CLIENT_INVALID_OPTION` for invalid options.
 *
 * @example
 * ```ts
 * type ServerMessages =
 *   | { type: 'welcome'; user: string; roles: string[] }
 *   | { type: 'chat'; room: string; from: string; text: string; at: number };
 * const client = connect<ServerMessages>({ ticketUrl: '/ws-ticket', url: '/ws' });
 * client.on('welcome', (message) => console.log(message.user));
 * client.on('state', (state) => console.log(state));
 * client.send({ type: 'join', room: 'lobby' });
 * ```
 */
export function connect<
  TServer = DefaultServerMessages,
  TClient extends { readonly type: string } = ClientMessage,
>(options: ConnectOptions & { readonly schemas?: undefined }): WsGateClient<TServer, TClient>;
/**
 * Connects with options typed as a plain `ConnectOptions`, whose `schemas` (if any) are not
 * known statically: messages are typed as `ServerMessage`. Options written out with their
 * schemas take the first overload, which checks the schemas and types the handlers.
 *
 * @throws {@link WsGateClientError} `WSGATE_CLIENT_INVALID_OPTION` for invalid options.
 */
export function connect<O extends ConnectOptions>(options: O & UntypedSchemas<O['schemas']>): WsGateClient;
export function connect(options: ConnectOptions): WsGateClient {
  const config = resolveOptions(options);
  const { timers } = config.reconnect;
  const emitter = new Emitter();
  const queue: string[] = [];
  let state: ConnectionState = 'connecting';
  let stopped = false;
  let socket: WebSocketLike | undefined;
  let timer: unknown;
  let request: AbortController | undefined;
  let failures = 0;

  const emitAny = (name: string, payload: unknown): void => {
    emitter.emit(name, payload, (cause) => {
      // A failing 'error' handler is not reported again (no loop).
      if (name !== 'error')
        emitError(
          new WsGateClientError('WSGATE_CLIENT_HANDLER_FAILED', `a '${name}' handler threw`, { cause }),
        );
    });
  };
  const emit = <K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void =>
    emitAny(name, payload);
  const emitError = (error: WsGateClientError): void => emit('error', error);

  const setState = (next: ConnectionState): void => {
    if (state === next) return;
    state = next;
    emit('state', next);
  };

  const stop = (reason: StopReason, detail: Omit<StopInfo, 'reason'> = {}): void => {
    if (stopped) return;
    stopped = true;
    timers.clearTimeout(timer);
    request?.abort();
    queue.length = 0;
    setState('closed');
    emit('stopped', { reason, ...detail });
  };

  /** One ticket request; `undefined` if the client stopped (or was superseded) meanwhile. */
  const fetchTicket = async (): Promise<Exclude<TicketResult, { kind: 'refused' }> | undefined> => {
    const controller = new AbortController();
    request = controller;
    const result = await requestTicket(config, controller.signal);
    if (stopped || request !== controller) return undefined;
    request = undefined;
    if (result.kind === 'refused') {
      stop(result.statusCode === 401 ? 'unauthenticated' : 'forbidden', { statusCode: result.statusCode });
      return undefined;
    }
    if (result.kind === 'failed') emitError(result.error);
    return stopped ? undefined : result;
  };

  /**
   * Schedules the next attempt. `reauthenticate` (after a 4000 close): the first attempt waits
   * only the re-authentication jitter instead of the backoff delay.
   */
  const scheduleRetry = (delay: 'backoff' | 'reauthenticate' = 'backoff'): void => {
    if (stopped) return;
    if (failures >= config.reconnect.maxAttempts) {
      stop('retries-exhausted');
      return;
    }
    const { reconnect } = config;
    const delayMs =
      delay === 'reauthenticate' && failures === 0
        ? jitterDelay(reconnect.reauthenticateJitterMs, reconnect.random)
        : backoffDelay(failures, reconnect);
    failures += 1;
    setState('reconnecting');
    if (!stopped) emit('retry', { attempt: failures, delayMs }); // a 'state' handler may have called close()
    if (!stopped) timer = timers.setTimeout(() => void attempt(), delayMs);
  };

  const attempt = async (): Promise<void> => {
    const result = await fetchTicket();
    if (result === undefined) return;
    if (result.kind === 'failed') scheduleRetry();
    else open(result.ticket);
  };

  /**
   * The handshake failed before `open`. Browsers report every refused upgrade as 1006, so ask
   * the ticket endpoint whether we are still logged in: 401/403 stops, anything else retries.
   * The probe's ticket is never presented; it expires unused.
   */
  const probe = async (): Promise<void> => {
    const result = await fetchTicket();
    if (result !== undefined) scheduleRetry();
  };

  const open = (ticket: string): void => {
    const handshake = buildHandshake(config.transport, config.url, config.queryParam, ticket);
    let current: WebSocketLike;
    try {
      current = new config.WebSocket(handshake.url, handshake.protocols);
    } catch {
      // The underlying error may quote the URL or subprotocols, hence the ticket: not kept.
      emitError(new WsGateClientError('WSGATE_CLIENT_CONNECTION_FAILED', 'the WebSocket constructor threw'));
      scheduleRetry();
      return;
    }
    socket = current;
    let opened = false;
    current.onerror = () => undefined; // always listen: 'close' follows and carries the outcome
    current.onopen = () => {
      if (socket !== current || stopped) return;
      opened = true;
      failures = 0;
      for (const text of queue.splice(0)) current.send(text);
      setState('open');
    };
    current.onmessage = (event: { readonly data: unknown }) => {
      if (socket !== current) return;
      dispatch(event.data);
    };
    current.onclose = (event: { readonly code: number; readonly reason: string }) => {
      if (socket !== current) return;
      socket = undefined;
      const info: CloseInfo = {
        code: event.code,
        reason: typeof event.reason === 'string' ? event.reason : '',
      };
      emit('close', info);
      if (stopped) return; // a 'close' handler called close()
      if (!opened) {
        void probe();
        return;
      }
      const action = closeAction(info.code);
      if (action.kind === 'stop') stop(action.reason, { closeCode: info.code });
      else scheduleRetry(action.delay);
    };
  };

  const dispatch = (data: unknown): void => {
    const parsed = parseFrame(data);
    if (!parsed.ok) {
      emitError(
        new WsGateClientError('WSGATE_CLIENT_MALFORMED_FRAME', `inbound frame dropped: ${parsed.reason}`),
      );
      return;
    }
    const checked = config.schemas === undefined ? parsed : checkFrame(config.schemas, parsed.message);
    if (!checked.ok) {
      emitError(checked.error);
      return;
    }
    const { message } = checked;
    if (!RESERVED.has(message.type)) emitAny(message.type, message);
    emit('message', message);
  };

  const client: WsGateClient = {
    get state() {
      return state;
    },
    on(name: string, handler: AnyHandler) {
      emitter.on(name, handler);
      return () => emitter.off(name, handler);
    },
    off(name: string, handler: AnyHandler) {
      emitter.off(name, handler);
    },
    send(message: ClientMessage) {
      if (stopped) throw new WsGateClientError('WSGATE_CLIENT_CLOSED', 'the client is closed');
      let text: string | undefined;
      try {
        text = JSON.stringify(message);
      } catch (cause) {
        throw new WsGateClientError(
          'WSGATE_CLIENT_SERIALIZATION_FAILED',
          'message is not JSON-serialisable',
          { cause },
        );
      }
      if (typeof text !== 'string')
        throw new WsGateClientError('WSGATE_CLIENT_SERIALIZATION_FAILED', 'message is not JSON-serialisable');
      if (state === 'open' && socket !== undefined && socket.readyState === 1) {
        socket.send(text);
      } else if (queue.length < config.queueLimit) {
        queue.push(text);
      } else {
        throw new WsGateClientError(
          'WSGATE_CLIENT_QUEUE_FULL',
          `not open, and the send queue is full (limit ${config.queueLimit})`,
        );
      }
    },
    close() {
      const current = socket;
      stop('client');
      if (current !== undefined) {
        try {
          current.close(1000);
        } catch {
          // already closing
        }
      }
    },
  };

  void attempt();
  return Object.freeze(client);
}
