import { recordSocket, WsGateError, type SocketRecord } from '@wsgate/core';
import type { GatedConnection } from './connections.js';
import { hasEventPath } from './socket-events.js';
import type { WsGateClaims, WsGateSocket } from './types.js';

type NamespaceMiddleware = (socket: WsGateSocket, next: (error?: Error) => void) => void;

/** The parts of a Socket.IO namespace @wsgate hooks. */
interface NamespaceLike {
  use(middleware: NamespaceMiddleware): unknown;
}

/** The parts of a Socket.IO server through which @wsgate reaches every namespace. */
export interface NamespaceHost {
  readonly _nsps: ReadonlyMap<string, NamespaceLike>;
  on(event: 'new_namespace', listener: (namespace: NamespaceLike) => void): unknown;
}

/**
 * Hooks every namespace, present and future (dynamic children included): a socket joins only
 * over a connection the gate admitted; its principal is set on `socket.data.principal`
 * (read-only) before the next middleware runs; its events are handled by `handleEvents`, whose
 * per-socket state is also the socket's record (core's `principalOf`, `sendSocketError`: errors
 * go to the event's acknowledgement, else as an `exception` event).
 */
export function hookNamespaces(
  io: NamespaceHost,
  connectionOf: (socket: WsGateSocket) => GatedConnection | undefined,
  handleEvents: (socket: WsGateSocket, connection: GatedConnection) => SocketRecord<WsGateClaims>,
): void {
  const middleware: NamespaceMiddleware = (socket, next) => {
    const connection = connectionOf(socket);
    if (connection === undefined) {
      next(new WsGateError('WSGATE_UNAUTHENTICATED', 'not authenticated'));
      return;
    }
    if (!hasEventPath(socket)) {
      next(new WsGateError('WSGATE_UNSUPPORTED_SOCKET_IO', 'this Socket.IO version is not supported'));
      return;
    }
    try {
      Object.defineProperty(socket.data, 'principal', {
        get: () => connection.principal,
        enumerable: true,
        configurable: false,
      });
    } catch {
      next(new WsGateError('WSGATE_PRINCIPAL_TAKEN', 'socket.data.principal is already defined'));
      return;
    }
    connection.track(socket);
    recordSocket(socket, handleEvents(socket, connection));
    next();
  };
  for (const namespace of io._nsps.values()) namespace.use(middleware);
  io.on('new_namespace', (namespace) => namespace.use(middleware));
}
