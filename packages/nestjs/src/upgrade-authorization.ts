import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleUpgrade, writeHttpRefusal, type UpgradeHandlers, type WsGate } from '@wsgate/core';
import type { WebSocket, WebSocketServer } from 'ws';

/** A gateway's `ws` server and the path it serves. */
export type PathServer = WebSocketServer & { readonly path: string | undefined };

function pathnameOf(request: IncomingMessage): string | undefined {
  const url = request.url ?? '';
  const end = url.search(/[?#]/);
  const pathname = end === -1 ? url : url.slice(0, end);
  return pathname.startsWith('/') ? pathname : undefined;
}

/** `server` serves `request`'s path (path-less servers on their own port serve every path). */
export function servesPath(server: PathServer, request: IncomingMessage): boolean {
  return server.path === undefined || server.path === pathnameOf(request);
}

/**
 * The HTTP server's `upgrade` listener of `WsGateAdapter`: an upgrade to a gateway path goes
 * through core's whole upgrade (`handleUpgrade`: authorization before `ws` sees it, refusals,
 * the socket's guard); any other path gets 404, never a socket.
 */
export function createUpgradeListener(
  gate: WsGate,
  serverFor: (request: IncomingMessage) => PathServer | undefined,
  handlers: (server: PathServer) => UpgradeHandlers<WebSocket>,
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (request, socket, head) => {
    const server = serverFor(request);
    if (server === undefined) writeHttpRefusal(socket, 404, { error: 'NOT_FOUND' });
    else handleUpgrade(gate, server, request, socket, head, handlers(server));
  };
}
