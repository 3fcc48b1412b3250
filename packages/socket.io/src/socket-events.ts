import {
  checkDecodedValue,
  CloseCode,
  DEFAULTS,
  messageErrorOfFault,
  runMessageHandler,
  unknownMessage,
  type HandlerOutcome,
  type MessageError,
  type SocketRecord,
} from '@wsgate/core';
import { EXCEPTION_EVENT, type ClosableSocket, type GatedConnection } from './connections.js';
import { socketIoEnvelope } from './event-envelope.js';
import type { SocketIoConfig } from './options.js';
import type { SocketIoEventContext, WsGateClaims, WsGateSocket } from './types.js';
import { UnansweredAcks } from './unanswered-acks.js';

/** Events Socket.IO emits on a server-side socket itself: never taken from a client. */
const LOCAL_EVENTS: ReadonlySet<string> = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'error',
  'newListener',
  'removeListener',
]);

/** The answer an acknowledgement gets for a refused event. */
export interface AckError {
  readonly ok: false;
  readonly error: MessageError;
}

/** An acknowledgement callback, as Socket.IO hands it to a server-side listener. */
export type Acknowledgement = (...args: unknown[]) => void;

/**
 * Sends an error about one event the way @wsgate answers every refused event: to its
 * acknowledgement when the client asked for one (`{ ok: false, error }`), else as an `exception`
 * event (`{ code, message, issues? }`). Nothing once the socket is disconnected.
 */
export function sendEventError(
  socket: Pick<ClosableSocket, 'connected' | 'emit'>,
  error: MessageError,
  ack: Acknowledgement | undefined,
): void {
  if (!socket.connected) return;
  if (ack === undefined) socket.emit(EXCEPTION_EVENT, error);
  else ack({ ok: false, error } satisfies AckError);
}

/** Whether a decoded value holds binary data (an attachment), looking `maxDepth` levels deep. */
function carriesBinary(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (ArrayBuffer.isView(node) || node instanceof ArrayBuffer) return true;
    if (depth < maxDepth) for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/** An event packet as Socket.IO decoded it: the arguments, and the id of an acknowledgement. */
interface EventPacket {
  readonly data?: unknown[];
  readonly id?: number | null;
}

const kHandling = Symbol('wsgate.event-handling');

/**
 * The private event path of a server-side Socket.IO 4.8 socket, which @wsgate takes over:
 * `onevent` (called for each event packet), `ack`, the `onAny` listeners, `dispatch` (the
 * socket's middlewares, then its listeners).
 */
interface EventPath {
  [kHandling]?: SocketEventHandling;
  onevent(packet: EventPacket): void;
  ack(id: number): Acknowledgement;
  dispatch(event: unknown[]): void;
  readonly _anyListeners?: readonly ((...args: unknown[]) => void)[];
}

/**
 * Whether `socket` has the event path @wsgate takes over (Socket.IO 4.8's `onevent`, `ack` and
 * `dispatch`). A socket without it is refused (fail closed): its events would bypass the checks.
 */
export function hasEventPath(socket: object): boolean {
  const path = socket as Partial<Record<'onevent' | 'ack' | 'dispatch', unknown>>;
  return (
    typeof path.onevent === 'function' &&
    typeof path.ack === 'function' &&
    typeof path.dispatch === 'function'
  );
}

/** Calls the socket's `onAny` listeners with an event that passed the checks, as Socket.IO would. */
function notifyAnyListeners(socket: EventPath, event: unknown[]): void {
  const listeners = socket._anyListeners;
  if (listeners === undefined || listeners.length === 0) return;
  for (const listener of listeners.slice()) listener.apply(socket, event);
}

/**
 * Socket.IO's own `onevent` (the acknowledgement appended to the arguments, the `onAny`
 * listeners, then `dispatch`), with @wsgate's checks first: `onAny` listeners, middlewares and
 * listeners see only events that passed them. One function for every socket (`this`).
 */
function gatedOnevent(this: EventPath, packet: EventPacket): void {
  const event = packet.data ?? [];
  if (packet.id !== undefined && packet.id !== null) event.push(this.ack(packet.id));
  this[kHandling]?.handle(event, () => {
    notifyAnyListeners(this, event);
    this.dispatch(event);
  });
}

/** The config every socket of a server shares, read once. */
interface SharedEventHandling {
  readonly config: SocketIoConfig;
  readonly maxDepth: number;
}

/**
 * What one socket does with the events it receives (see {@link createEventHandling}), and the
 * context its handlers get (`socket`, `principal`), and its record (core's `principalOf`,
 * `sendSocketError`, `reportSocketRefusal`). A class, so that an idle socket keeps one object,
 * not a closure per step.
 */
class SocketEventHandling implements SocketIoEventContext, SocketRecord<WsGateClaims> {
  readonly #shared: SharedEventHandling;
  readonly #connection: GatedConnection;
  /** Handlers' answers being computed: awaited (bounded) before a flood's or a binary event's close. */
  #pending: Set<PromiseLike<unknown>> | undefined;
  /** Acknowledgements handed to the socket's listeners (`listenerEvents()`), not answered yet. */
  #acks: UnansweredAcks | undefined;

  constructor(
    shared: SharedEventHandling,
    readonly socket: WsGateSocket,
    connection: GatedConnection,
  ) {
    this.#shared = shared;
    this.#connection = connection;
  }

  get principal(): SocketIoEventContext['principal'] {
    return this.#connection.principal;
  }

  /** The socket's error channel (core's `sendSocketError`): the acknowledgement, else an `exception` event. */
  sendError(error: MessageError, ack: Acknowledgement | undefined): void {
    sendEventError(this.socket, error, ack);
  }

  /**
   * Checks one event (its arguments, the acknowledgement last), then runs it — with `events`
   * definitions, after the socket's `onAny` listeners — or passes it on with `next` (`listenerEvents()`), or refuses it.
   */
  handle(event: unknown[], next: () => void): void {
    const connection = this.#connection;
    if (connection.closing) return;
    const { events } = this.#shared.config;
    const args: unknown[] = [...event];
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as Acknowledgement) : undefined;
    const name = typeof args[0] === 'string' ? args[0] : undefined;
    if (carriesBinary(args, this.#shared.maxDepth) && !(name !== undefined && events.binary.has(name))) {
      this.#closeFor(CloseCode.UnsupportedData, 'binary payloads are not accepted');
      return;
    }
    if (!connection.frames.takeToken()) {
      this.#closeFor(CloseCode.RateLimited, 'rate limit exceeded');
      return;
    }
    const unsafe = checkDecodedValue(args, this.#shared.maxDepth);
    if (unsafe !== undefined) {
      this.#refuse(unsafe, ack);
      return;
    }
    const decoded = socketIoEnvelope.decode(args);
    if (!decoded.ok) {
      this.#refuse(decoded.error, ack);
      return;
    }
    if (events.kind === 'listeners') {
      if (LOCAL_EVENTS.has(decoded.name) || this.socket.listeners(decoded.name).length === 0) {
        this.#refuse(unknownMessage(socketIoEnvelope.namePath), ack);
        return;
      }
      if (events.resolverOf !== undefined) {
        const resolver = events.resolverOf(this.socket);
        const resolved =
          resolver === undefined
            ? ({ ok: false, error: unknownMessage(socketIoEnvelope.namePath) } as const)
            : resolver.resolve(decoded.name, decoded.payload, connection.principal);
        if (!resolved.ok) {
          if (resolved.cause === undefined) this.#refuse(resolved.error, ack);
          else this.#fail(resolved.cause, decoded.name, ack);
          return;
        }
        // The listeners get what the schema made of the payload (an argument that was sent).
        if (args.length > 1) event[1] = resolved.payload;
      }
      if (ack !== undefined) event[event.length - 1] = (this.#acks ??= new UnansweredAcks()).wrap(ack);
      next();
      return;
    }
    const resolution = events.router.resolve(decoded.name, decoded.payload, connection.principal);
    if (!resolution.ok) {
      if (resolution.cause === undefined) this.#refuse(resolution.error, ack);
      else this.#fail(resolution.cause, decoded.name, ack);
      return;
    }
    if (args.length > 1) event[1] = resolution.payload;
    notifyAnyListeners(this.socket as unknown as EventPath, event);
    const outcome = runMessageHandler(resolution.route, resolution.payload, this);
    if (outcome instanceof Promise)
      this.#track(outcome.then((settled) => this.#answer(settled, decoded.name, ack)));
    else this.#answer(outcome, decoded.name, ack);
  }

  /** Reports a refused message (core's `reportSocketRefusal`, and every refusal here). */
  refused(code: string | number): void {
    const { gate, report } = this.#shared.config;
    report(gate.audit.messageRefused(code, this.#connection.principal));
  }

  #refuse(error: MessageError, ack: Acknowledgement | undefined): void {
    this.refused(error.code);
    sendEventError(this.socket, error, ack);
  }

  #fail(cause: unknown, name: string, ack: Acknowledgement | undefined): void {
    const { gate, report } = this.#shared.config;
    report(gate.audit.handlerFailed(cause, name));
    sendEventError(this.socket, messageErrorOfFault(cause), ack);
  }

  #track(settled: Promise<unknown>): void {
    const pending = (this.#pending ??= new Set());
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  }

  #closeFor(code: number, reason: string): void {
    this.refused(code);
    const waiting: PromiseLike<unknown>[] = [...(this.#pending ?? [])];
    const answers = this.#acks?.allAnswered();
    if (answers !== undefined) waiting.push(answers);
    this.#connection.closeAfter(waiting, code, reason, DEFAULTS.closeFlushMs);
  }

  #answer(outcome: HandlerOutcome, name: string, ack: Acknowledgement | undefined): void {
    if (outcome.kind === 'rejected') this.#refuse(outcome.error, ack);
    else if (outcome.kind === 'failed') this.#fail(outcome.cause, name, ack);
    else if (ack !== undefined && this.socket.connected) {
      try {
        if (outcome.value === undefined) ack();
        else ack(outcome.value);
      } catch (cause) {
        // The value cannot be sent (not serialisable): the acknowledgement is spent.
        this.#fail(cause, name, undefined);
      }
    }
  }
}

/**
 * Builds what every socket of a secured server does with the events it receives, as untrusted
 * input, in order: binary attachments (refused unless the event opts in: the connection is
 * closed), the connection's token bucket (over it: closed), prototype keys and depth
 * (`BAD_JSON`), the event's shape (`[name, payload]` plus an optional acknowledgement:
 * `VALIDATION_FAILED`), then core's router (name allowlist, the event's schema, roles and
 * claims) and its handler — or, with `listenerEvents()`, the socket's own listeners, when it has
 * one for the event. Errors go to the acknowledgement when the client asked for one
 * (`{ ok: false, error }`), else as an `exception` event; a closed connection gets `exception`
 * first (see `translateClose`), and later events are ignored. With `events` definitions, events
 * are never passed on to `socket.on` listeners.
 */
export function createEventHandling(config: SocketIoConfig) {
  const shared: SharedEventHandling = { config, maxDepth: config.gate.messageLimits.maxDepth };
  return function handleEvents(
    socket: WsGateSocket,
    connection: GatedConnection,
  ): SocketRecord<WsGateClaims> {
    const path = socket as unknown as EventPath;
    const handling = new SocketEventHandling(shared, socket, connection);
    path[kHandling] = handling;
    path.onevent = gatedOnevent;
    return handling;
  };
}
