import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  afterPendingResponse,
  guardUpgrade,
  handshakeRequestFrom,
  writeHttpRefusal,
  type AuditEvent,
  type RefusalAnswer,
  type UpgradeAcceptance,
  type WsGate,
} from '@wsgate/core';
import type { WebSocket, WebSocketServer } from 'ws';

/** A gateway's `ws` server and the path it serves. */
export type PathServer = WebSocketServer & { readonly path: string | undefined };

/** What the upgrade authorization hands back to the adapter. */
export interface UpgradeOutcomes {
  /** The gateway server of an upgrade request, if any (else 404). */
  serverFor(request: IncomingMessage): PathServer | undefined;
  /** An accepted upgrade became `client`: admit it and emit `connection`. */
  accepted(
    server: PathServer,
    client: WebSocket,
    request: IncomingMessage,
    acceptance: UpgradeAcceptance,
  ): void;
  /** Audit events. */
  report(event: AuditEvent): void;
  /** The subprotocol to select, per upgrade request in flight. */
  readonly protocols: WeakMap<IncomingMessage, string | undefined>;
}

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

function refuseWithSocket(
  server: PathServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  answer: Extract<RefusalAnswer, { kind: 'close' }>,
  outcomes: UpgradeOutcomes,
): void {
  outcomes.protocols.set(request, undefined);
  server.handleUpgrade(request, socket, head, (client) => {
    client.on('error', () => client.terminate());
    client.close(answer.closeCode, answer.reason);
  });
}

/**
 * The HTTP server's `upgrade` listener of `WsGateAdapter`: every upgrade to a gateway path goes
 * through core's `authorizeUpgrade` before `ws` sees it, refused in HTTP (or opened and closed
 * in close-frame mode) or handed to `ws` and admitted. Every upgrade ends as a WebSocket or a
 * destroyed socket (core's `guardUpgrade`), and one pipelined behind a response waits for it.
 */
export function createUpgradeListener(
  gate: WsGate,
  outcomes: UpgradeOutcomes,
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const server = outcomes.serverFor(request);
    if (server === undefined) {
      writeHttpRefusal(socket, 404, { error: 'NOT_FOUND' });
      return;
    }
    const guard = guardUpgrade(socket, gate.upgradeTimeoutMs);
    // Between the HTTP parser letting go of the socket and ws taking it, errors are ours.
    const onSocketError = (): void => void socket.destroy();
    socket.on('error', onSocketError);
    const result = await gate.authorizeUpgrade(handshakeRequestFrom(request));
    socket.removeListener('error', onSocketError);
    if (socket.destroyed) {
      if (result.ok) result.reservation.release(); // the client left while we checked
      return;
    }
    if (!result.ok) {
      const answer = gate.answerRefusal(result);
      outcomes.report(answer.audit);
      if (answer.kind === 'http') writeHttpRefusal(socket, answer.status, answer.body, answer.headers);
      else refuseWithSocket(server, request, socket, head, answer, outcomes);
      return;
    }
    outcomes.protocols.set(request, result.protocol);
    // ws answers a broken handshake itself and never calls back: the slot is freed on close then.
    socket.once('close', () => result.reservation.release());
    server.handleUpgrade(request, socket, head, (client) => {
      guard.upgraded();
      outcomes.accepted(server, client, request, result);
    });
  };
  return (request, socket, head) => {
    afterPendingResponse(socket, () => {
      onUpgrade(request, socket, head).catch(() =>
        writeHttpRefusal(socket, 500, { error: 'INTERNAL_ERROR' }),
      );
    });
  };
}
