import {
  closeWhenSettled,
  CloseCode,
  createFrameChecker,
  SEND_BUFFER_FULL_REASON,
  type AdmittedConnection,
  type AuditEvent,
  type FrameChecker,
  type Principal,
  type UpgradeAcceptance,
  type WsGate,
} from '@wsgate/core';
import { closeCodeOfEngineReason, translateClose } from './close-translation.js';
import type { EngineConnection, TransportWebSocket } from './engine-setup.js';
import { createSendBufferCap } from './send-buffer-cap.js';
import type { SocketIoConfig } from './options.js';
import type { WsGateClaims } from './types.js';

/** Name of the event that carries @wsgate's errors when there is no acknowledgement (NestJS's). */
export const EXCEPTION_EVENT = 'exception';

/** The parts of a server-side Socket.IO socket a connection closes. */
export interface ClosableSocket {
  /** Whether the socket is still connected to its namespace. */
  readonly connected: boolean;
  /** Sends an event to the client. */
  emit(event: string, ...args: unknown[]): unknown;
  /** Disconnects the socket server-side (`true`: the whole connection). */
  disconnect(close?: boolean): unknown;
}

/** One admitted Engine.IO connection: its principal, its sockets (one per namespace), its token bucket. */
export interface GatedConnection {
  readonly principal: Principal<WsGateClaims>;
  /** The connection's token bucket, shared by its namespaces. */
  readonly frames: FrameChecker;
  /** Whether a close has been decided (later events are ignored). */
  readonly closing: boolean;
  /** Tracks a socket of this connection (until it disconnects). */
  track(socket: ClosableSocket & { once(event: 'disconnect', listener: () => void): unknown }): void;
  /** Closes the connection the way a close code asks (see `translateClose`). Idempotent. */
  close(code: number, reason: string): void;
  /**
   * Decides a close now (later events are ignored) and closes once `pending` (the answers of
   * events already being handled) have settled, at most `flushMs` later: the events within a
   * burst are answered before a flood's disconnect, as `ws` replies before its 4429.
   */
  closeAfter(pending: readonly PromiseLike<unknown>[], code: number, reason: string, flushMs: number): void;
  /**
   * Ends the connection at once, sending nothing more (a peer that stopped reading): its
   * WebSocket, if it has one, closes with `code` behind what it already queued (`ws` destroys it
   * if the peer does not answer the close within its close timeout); Engine.IO discards its
   * write buffer and reports a transport close. The close is reported (registry, audit) once
   * that WebSocket has closed. Idempotent; no-op once a close has been decided.
   */
  drop(code: number, reason: string): void;
}

const CLOSED = 3;

/**
 * One admitted Engine.IO connection. A class, so that an idle connection holds one object
 * rather than a closure per method; it is also the connection core's registry and supervisor
 * close.
 */
class EngineGatedConnection implements GatedConnection {
  readonly frames: FrameChecker;
  readonly #connection: EngineConnection;
  readonly #sockets = new Set<ClosableSocket>();
  #admitted: AdmittedConnection<WsGateClaims> | undefined;
  /** The close code of a connection Engine.IO closed while it was being admitted. */
  #closedWhileAdmitted: number | undefined;
  #closedWith: number | undefined;
  #closing = false;
  /** The WebSocket of a dropped connection, until it has closed. */
  #dropped: TransportWebSocket | undefined;

  constructor(gate: WsGate<WsGateClaims>, connection: EngineConnection) {
    this.#connection = connection;
    this.frames = createFrameChecker(gate.messageLimits);
  }

  /**
   * Admits the connection (registry, supervision, audit). Its `close` listener must be on
   * already: a drain past its 1012s closes the connection within `admit`, and Engine.IO may
   * report that close at once.
   */
  admit(
    gate: WsGate<WsGateClaims>,
    acceptance: UpgradeAcceptance<WsGateClaims>,
    report: (event: AuditEvent) => void,
  ): void {
    const admitted = gate.admit(acceptance, this, report);
    this.#admitted = admitted;
    if (this.#closedWhileAdmitted !== undefined) admitted.closed(this.#closedWhileAdmitted);
  }

  /** Who the ticket was issued to (read once the connection is admitted). */
  get principal(): Principal<WsGateClaims> {
    return (this.#admitted as AdmittedConnection<WsGateClaims>).principal;
  }

  get closing(): boolean {
    return this.#closing;
  }

  track(socket: ClosableSocket & { once(event: 'disconnect', listener: () => void): unknown }): void {
    this.#sockets.add(socket);
    socket.once('disconnect', () => this.#sockets.delete(socket));
  }

  close(code: number, reason: string): void {
    if (this.#closedWith !== undefined) return;
    this.#closedWith = code;
    this.#closing = true;
    const translation = translateClose(code, reason);
    if (!translation.reconnect) {
      const open = [...this.#sockets].filter((socket) => socket.connected);
      if (translation.error !== undefined)
        for (const socket of open) socket.emit(EXCEPTION_EVENT, translation.error);
      for (const socket of open) socket.disconnect();
    }
    // Engine.IO sends what is buffered (exceptions, disconnect packets) before it closes.
    this.#connection.close();
  }

  closeAfter(pending: readonly PromiseLike<unknown>[], code: number, reason: string, flushMs: number): void {
    if (this.#closing) return;
    this.#closing = true;
    closeWhenSettled(pending, flushMs, () => this.close(code, reason));
  }

  drop(code: number, reason: string): void {
    if (this.#closedWith !== undefined) return;
    this.#closedWith = code;
    this.#closing = true;
    const { transport } = this.#connection;
    const websocket = transport.name === 'websocket' ? transport.socket : undefined;
    if (websocket !== undefined && websocket.readyState !== CLOSED) {
      this.#dropped = websocket;
      websocket.close(code, reason);
    }
    this.#connection.close(true);
  }

  /** For a drain past its deadline: drops the connection, and a dropped one's WebSocket. */
  terminate(): void {
    this.#dropped?.terminate();
    this.#connection.close(true);
  }

  /** Engine.IO closed the connection: reports the close (a dropped one's once its WebSocket closed). */
  engineClosed(reason: string): void {
    const code = this.#closedWith ?? closeCodeOfEngineReason(reason);
    const dropped = this.#dropped;
    if (dropped === undefined || dropped.readyState === CLOSED) this.#closed(code);
    else dropped.once('close', () => this.#closed(code));
  }

  #closed(code: number): void {
    if (this.#admitted === undefined) this.#closedWhileAdmitted = code;
    else this.#admitted.closed(code);
  }
}

/**
 * Admits every Engine.IO connection the gate accepted (registry: revocation and caps;
 * supervision: lifetime, session re-check; audit; the send-buffer cap), and closes it in
 * Socket.IO terms when core asks: a transport close for what should reconnect, `exception` +
 * server-side disconnect for what should not. A connection the gate did not accept is closed at
 * once (never expected). A peer that lets more than `supervision.maxBufferedBytes` pile up for
 * it is dropped (see `createSendBufferCap`, `GatedConnection.drop`): 1008, no `exception`.
 */
export function createConnections(
  config: SocketIoConfig,
  sessionOpened: (request: object) => UpgradeAcceptance<WsGateClaims> | undefined,
) {
  const { gate, report } = config;
  const connections = new WeakMap<object, EngineGatedConnection>();
  const sendBufferCap = createSendBufferCap(gate.supervisor.maxBufferedBytes, (connection) =>
    connections.get(connection)?.drop(CloseCode.PolicyViolation, SEND_BUFFER_FULL_REASON),
  );
  function onEngineClose(this: EngineConnection, reason: string): void {
    connections.get(this)?.engineClosed(reason);
  }

  function admit(connection: EngineConnection): void {
    const acceptance = sessionOpened(connection.request);
    if (acceptance === undefined) {
      connection.close(true);
      return;
    }
    const gated = new EngineGatedConnection(gate, connection);
    connections.set(connection, gated);
    connection.once('close', onEngineClose);
    gated.admit(gate, acceptance, report);
    sendBufferCap.watch(connection);
  }

  return { admit, of: (connection: object): GatedConnection | undefined => connections.get(connection) };
}
