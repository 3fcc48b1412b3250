import {
  closeWhenSettled,
  createFrameChecker,
  type AdmittedConnection,
  type FrameChecker,
  type Principal,
  type UpgradeAcceptance,
} from '@wsgate/core';
import { closeCodeOfEngineReason, translateClose } from './close-translation.js';
import type { EngineConnection } from './engine-setup.js';
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
}

/**
 * Admits every Engine.IO connection the gate accepted (registry: revocation and caps;
 * supervision: lifetime, session re-check; audit), and closes it in Socket.IO terms when core
 * asks: a transport close for what should reconnect, `exception` + server-side disconnect for
 * what should not. A connection the gate did not accept is closed at once (never expected).
 */
export function createConnections(
  config: SocketIoConfig,
  acceptanceOf: (request: object) => UpgradeAcceptance<WsGateClaims> | undefined,
) {
  const { gate, report } = config;
  const connections = new WeakMap<object, GatedConnection>();

  function admit(connection: EngineConnection): void {
    const acceptance = acceptanceOf(connection.request);
    if (acceptance === undefined) {
      connection.close(true);
      return;
    }
    const sockets = new Set<ClosableSocket>();
    let closedWith: number | undefined;
    let closing = false;
    const close = (code: number, reason: string) => {
      if (closedWith !== undefined) return;
      closedWith = code;
      closing = true;
      const translation = translateClose(code, reason);
      if (!translation.reconnect) {
        const open = [...sockets].filter((socket) => socket.connected);
        if (translation.error !== undefined)
          for (const socket of open) socket.emit(EXCEPTION_EVENT, translation.error);
        for (const socket of open) socket.disconnect();
      }
      // Engine.IO sends what is buffered (exceptions, disconnect packets) before it closes.
      connection.close();
    };
    const admitted: AdmittedConnection<WsGateClaims> = gate.admit(
      acceptance,
      { close, terminate: () => connection.close(true) },
      report,
    );
    connection.once('close', (reason) => admitted.closed(closedWith ?? closeCodeOfEngineReason(reason)));
    connections.set(connection, {
      get principal() {
        return admitted.principal;
      },
      frames: createFrameChecker(gate.messageLimits),
      get closing() {
        return closing;
      },
      track(socket) {
        sockets.add(socket);
        socket.once('disconnect', () => sockets.delete(socket));
      },
      close,
      closeAfter(pending, code, reason, flushMs) {
        if (closing) return;
        closing = true;
        closeWhenSettled(pending, flushMs, () => close(code, reason));
      },
    });
  }

  return { admit, of: (connection: object) => connections.get(connection) };
}
