import type { AuditEvent, AuditEvents } from './audit-events.js';
import type { ClosableConnection, ConnectionReservation } from './connection-registry.js';
import type {
  ConnectionSupervisor,
  SendableSocket,
  SessionStatus,
  SupervisedConnection,
} from './connection-supervisor.js';
import type { RawFrame } from './frame-check.js';
import { CloseCode } from './close-codes.js';
import { DRAIN_CLOSE_REASON, type DrainPhase } from './drain.js';
import type { MessageRouter } from './message-router.js';
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
  let principal = acceptance.principal;
  const unregister = acceptance.reservation.attach(connection);
  const { isSessionActive } = parts;
  const supervision = parts.supervisor.supervise(connection, {
    sessionCheck: isSessionActive === undefined ? undefined : () => isSessionActive(principal),
    onClaims: (claims) => {
      principal = Object.freeze({ ...principal, claims: claims as TClaims });
    },
  });
  report(parts.audit.upgradeAccepted(principal, acceptance.clientIp));
  let open = true;
  const admitted: AdmittedConnection<TClaims> = {
    get principal() {
      return principal;
    },
    pong: () => supervision.pong(),
    closed(code) {
      if (!open) return;
      open = false;
      supervision.stop();
      unregister();
      report(parts.audit.closed(principal, code));
    },
  };
  // Authorized just before the drain closed every socket: it goes the same way.
  if (parts.drainPhase() === 'closing') connection.close(CloseCode.ServiceRestart, DRAIN_CLOSE_REASON);
  return admitted;
}

/** The parts of a `ws` WebSocket that {@link admitWebSocket} wires. */
export interface AdmittableWebSocket {
  readonly readyState: number;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  on(event: 'pong', listener: () => void): unknown;
  once(event: 'close', listener: (code: number) => void): unknown;
}

const OPEN = 1;

/** {@link admitConnection} for a `ws` WebSocket (the Fastify and NestJS adapters): events wired. */
export function admitWebSocket<TClaims extends TicketClaims>(
  parts: AdmissionParts<TClaims>,
  acceptance: AdmissionTicket<TClaims>,
  socket: AdmittableWebSocket,
  report: (event: AuditEvent) => void,
): AdmittedConnection<TClaims> {
  const admitted = admitConnection(
    parts,
    acceptance,
    {
      close: (code, reason) => socket.close(code, reason),
      terminate: () => socket.terminate(),
      ping: () => {
        if (socket.readyState === OPEN) socket.ping();
      },
    },
    report,
  );
  socket.on('pong', () => admitted.pong());
  socket.once('close', (code) => admitted.closed(code));
  return admitted;
}

/** What {@link openWebSocket} needs of a `ws` WebSocket. */
export interface ServedWebSocket extends AdmittableWebSocket, SendableSocket {
  on(event: 'pong', listener: () => void): unknown;
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
 * Everything an adapter does with an accepted `ws` socket, in one call: admission (registry,
 * supervision, audit) and, with a router, every frame routed through it, replies sent with the
 * send-buffer cap.
 */
export function openWebSocket<TClaims extends TicketClaims, Ctx>(
  parts: AdmissionParts<TClaims>,
  acceptance: AdmissionTicket<TClaims>,
  socket: ServedWebSocket,
  options: OpenWebSocketOptions<Ctx, TClaims>,
): AdmittedConnection<TClaims> {
  const admitted = admitWebSocket(parts, acceptance, socket, options.report);
  const { router } = options;
  if (router !== undefined) {
    const connection = router.connect({
      get principal() {
        return admitted.principal;
      },
      context: options.context?.(admitted) as Ctx,
      send: (text) => parts.supervisor.send(socket, text),
      close: (code, reason) => socket.close(code, reason),
      report: options.report,
    });
    socket.on('message', (data, isBinary) => connection.receive(data, isBinary));
  }
  return admitted;
}
