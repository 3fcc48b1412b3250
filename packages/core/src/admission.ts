import type { AuditEvent, AuditEvents } from './audit-events.js';
import type { ClosableConnection, ConnectionReservation } from './connection-registry.js';
import type {
  ConnectionSupervisor,
  SendableSocket,
  SessionStatus,
  SupervisedConnection,
  Supervision,
  SupervisionHooks,
} from './connection-supervisor.js';
import type { RawFrame } from './frame-check.js';
import { CloseCode } from './close-codes.js';
import { DRAIN_CLOSE_REASON, type DrainPhase } from './drain.js';
import type { MessageError } from './message-errors.js';
import type { ConnectionRouter, MessageRouter, RouterConnection } from './message-router.js';
import { recordSocket, type SocketRecord } from './socket-records.js';
import type { Principal } from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';

/** A connection an adapter admits: it can be closed with a code (revocation, lifetime, drain). */
export type GatedConnection = SupervisedConnection & ClosableConnection;

/** What admission needs of an accepted upgrade. */
export interface AdmissionTicket<TClaims extends TicketClaims> {
  readonly principal: Principal<TClaims>;
  readonly clientIp: string | undefined;
  readonly reservation: ConnectionReservation<ClosableConnection>;
}

/** An admitted connection: registered, supervised, audited. */
export interface AdmittedConnection<TClaims extends TicketClaims = TicketClaims> {
  /** The connection's principal; its claims follow the session re-check. */
  readonly principal: Principal<TClaims>;
  /** The peer answered a ping (transports whose heartbeat the supervisor runs). */
  pong(): void;
  /** The connection closed: unregisters it and stops its supervision. Call once (idempotent). */
  closed(code: number): void;
  /**
   * One of the connection's messages was refused with `code` by code outside the adapter's
   * router (a framework guard): reports `wsgate.message_refused` and counts it in
   * `wsgate.messages.refused`, as the router does for its own refusals.
   */
  refused(code: string): void;
}

/** What {@link admitConnection} is built from (the gate's services). */
export interface AdmissionParts<TClaims extends TicketClaims> {
  readonly supervisor: ConnectionSupervisor;
  readonly audit: AuditEvents;
  readonly isSessionActive:
    ((principal: Principal<TClaims>) => SessionStatus | Promise<SessionStatus>) | undefined;
  /** Where the gate is in its drain: a socket admitted once the 1012 closes went out is closed too. */
  readonly drainPhase: () => DrainPhase;
}

/**
 * One admitted connection: its registration, its supervision and its principal (replaced when a
 * session re-check brings new claims). A class, so that an idle connection holds one small object
 * rather than a closure per method; it is its own session-check hooks for the supervisor.
 */
class Admitted<TClaims extends TicketClaims> implements AdmittedConnection<TClaims>, SupervisionHooks {
  #principal: Principal<TClaims>;
  #open = true;
  readonly #parts: AdmissionParts<TClaims>;
  readonly #report: (event: AuditEvent) => void;
  readonly #reservation: AdmissionTicket<TClaims>['reservation'];
  readonly #supervision: Supervision;

  constructor(
    parts: AdmissionParts<TClaims>,
    acceptance: AdmissionTicket<TClaims>,
    connection: GatedConnection,
    report: (event: AuditEvent) => void,
  ) {
    this.#parts = parts;
    this.#report = report;
    this.#principal = acceptance.principal;
    this.#reservation = acceptance.reservation;
    this.#reservation.attach(connection);
    this.#supervision = parts.supervisor.supervise(
      connection,
      parts.isSessionActive === undefined ? undefined : this,
    );
  }

  get principal(): Principal<TClaims> {
    return this.#principal;
  }

  /** The supervisor's session re-check (only handed to it with `isSessionActive`). */
  sessionCheck(): SessionStatus | Promise<SessionStatus> {
    return (this.#parts.isSessionActive as NonNullable<AdmissionParts<TClaims>['isSessionActive']>)(
      this.#principal,
    );
  }

  /** New claims from a session re-check. */
  onClaims(claims: TicketClaims): void {
    this.#principal = Object.freeze({ ...this.#principal, claims: claims as TClaims });
  }

  pong(): void {
    this.#supervision.pong();
  }

  refused(code: string): void {
    this.#report(this.#parts.audit.messageRefused(code, this.#principal));
  }

  closed(code: number): void {
    if (!this.#open) return;
    this.#open = false;
    this.#supervision.stop();
    this.#reservation.detach();
    this.#report(this.#parts.audit.closed(this.#principal, code));
  }
}

/**
 * Admits a connection whose upgrade was accepted: takes its reserved slot in the registry (so
 * revocations and caps see it), starts its supervision (heartbeat when the transport has none,
 * lifetime, session re-check with claim updates) and reports `wsgate.upgrade_accepted`; on
 * `closed(code)`, gives everything back and reports `wsgate.close`. The one admission every
 * adapter uses.
 */
export function admitConnection<TClaims extends TicketClaims>(
  parts: AdmissionParts<TClaims>,
  acceptance: AdmissionTicket<TClaims>,
  connection: GatedConnection,
  report: (event: AuditEvent) => void,
): AdmittedConnection<TClaims> {
  const admitted = new Admitted(parts, acceptance, connection, report);
  report(parts.audit.upgradeAccepted(admitted.principal, acceptance.clientIp));
  // Authorized just before the drain closed every socket: it goes the same way.
  if (parts.drainPhase() === 'closing') connection.close(CloseCode.ServiceRestart, DRAIN_CLOSE_REASON);
  return admitted;
}

/**
 * The parts of a `ws` WebSocket that {@link admitWebSocket} wires; its listeners are called with
 * the socket as `this`, as an `EventEmitter` does.
 */
export interface AdmittableWebSocket {
  readonly readyState: number;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
}

const OPEN = 1;

/** A `ws` WebSocket as the registry and the supervisor see it (a ping only while it is open). */
class WebSocketConnection implements GatedConnection {
  readonly #socket: AdmittableWebSocket;

  constructor(socket: AdmittableWebSocket) {
    this.#socket = socket;
  }

  close(code: number, reason: string): void {
    this.#socket.close(code, reason);
  }

  terminate(): void {
    this.#socket.terminate();
  }

  ping(): void {
    if (this.#socket.readyState === OPEN) this.#socket.ping();
  }
}

// The listeners of admitted sockets are shared functions that find their connection by the
// socket they are called on (`ws` calls listeners with the socket as `this`): an idle connection
// then holds two map entries rather than a closure per event and the scopes they keep.
const admittedSockets = new WeakMap<object, AdmittedConnection<TicketClaims>>();
const routedSockets = new WeakMap<object, ConnectionRouter>();

function onAdmittedPong(this: object): void {
  admittedSockets.get(this)?.pong();
}

// `ws` emits `close` once.
function onAdmittedClose(this: object, code: number): void {
  const admitted = admittedSockets.get(this);
  admittedSockets.delete(this);
  routedSockets.delete(this);
  admitted?.closed(code);
}

function onRoutedMessage(this: object, data: RawFrame, isBinary: boolean): void {
  routedSockets.get(this)?.receive(data, isBinary);
}

/** {@link admitConnection} for a `ws` WebSocket (the Fastify and NestJS adapters): events wired. */
export function admitWebSocket<TClaims extends TicketClaims>(
  parts: AdmissionParts<TClaims>,
  acceptance: AdmissionTicket<TClaims>,
  socket: AdmittableWebSocket,
  report: (event: AuditEvent) => void,
): AdmittedConnection<TClaims> {
  const admitted = admitConnection(parts, acceptance, new WebSocketConnection(socket), report);
  admittedSockets.set(socket, admitted);
  socket.on('pong', onAdmittedPong);
  socket.on('close', onAdmittedClose);
  return admitted;
}

/** What {@link openWebSocket} needs of a `ws` WebSocket. */
export interface ServedWebSocket extends AdmittableWebSocket, SendableSocket {
  on(event: 'pong', listener: () => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (data: RawFrame, isBinary: boolean) => void): unknown;
}

/** Options of {@link openWebSocket}. */
export interface OpenWebSocketOptions<Ctx, TClaims extends TicketClaims = TicketClaims> {
  /** Receives the connection's audit events. */
  readonly report: (event: AuditEvent) => void;
  /** Routes the socket's frames (omit for a route that reads raw frames itself). */
  readonly router?: MessageRouter<Ctx> | undefined;
  /** The context handed to every handler, built once the connection is admitted. */
  readonly context?: (admitted: AdmittedConnection<TClaims>) => Ctx;
}

/**
 * What the router sees of an admitted `ws` socket: its principal, its sends (with the buffer
 * cap); also the socket's record (its error channel: a frame in the router's envelope).
 */
class SocketRouterConnection<TClaims extends TicketClaims, Ctx>
  implements RouterConnection<Ctx>, SocketRecord<TClaims>
{
  readonly #admitted: AdmittedConnection<TClaims>;
  readonly #socket: ServedWebSocket;
  readonly #supervisor: ConnectionSupervisor;
  readonly #router: MessageRouter<Ctx>;
  readonly context: Ctx;
  readonly report: (event: AuditEvent) => void;

  constructor(
    admitted: AdmittedConnection<TClaims>,
    socket: ServedWebSocket,
    supervisor: ConnectionSupervisor,
    router: MessageRouter<Ctx>,
    options: OpenWebSocketOptions<Ctx, TClaims>,
  ) {
    this.#admitted = admitted;
    this.#socket = socket;
    this.#supervisor = supervisor;
    this.#router = router;
    this.report = options.report;
    this.context = options.context?.(admitted) as Ctx;
  }

  get principal(): Principal<TClaims> {
    return this.#admitted.principal;
  }

  send(text: string): void {
    this.#supervisor.send(this.#socket, text);
  }

  close(code: number, reason: string): void {
    this.#socket.close(code, reason);
  }

  sendError(error: MessageError): void {
    this.send(this.#router.encodeError(error));
  }

  refused(code: string): void {
    this.#admitted.refused(code);
  }
}

/**
 * Everything an adapter does with an accepted `ws` socket, in one call: admission (registry,
 * supervision, audit) and, with a router, every frame routed through it, replies sent with the
 * send-buffer cap. The socket gets its record (see `principalOf` and `sendSocketError`): its
 * principal and, with a router, errors as frames in the router's envelope.
 */
export function openWebSocket<TClaims extends TicketClaims, Ctx>(
  parts: AdmissionParts<TClaims>,
  acceptance: AdmissionTicket<TClaims>,
  socket: ServedWebSocket,
  options: OpenWebSocketOptions<Ctx, TClaims>,
): AdmittedConnection<TClaims> {
  const admitted = admitWebSocket(parts, acceptance, socket, options.report);
  const { router } = options;
  if (router === undefined) {
    recordSocket(socket, admitted);
    return admitted;
  }
  const connection = new SocketRouterConnection(admitted, socket, parts.supervisor, router, options);
  recordSocket(socket, connection);
  routedSockets.set(socket, router.connect(connection));
  socket.on('message', onRoutedMessage);
  return admitted;
}
