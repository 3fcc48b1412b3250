import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuditEvent } from './audit-events.js';
import { handshakeRequestFrom } from './handshake-request.js';
import { writeHttpRefusal, type RefusalAnswer } from './upgrade-decision.js';
import { afterPendingResponse, UpgradeDeadline } from './upgrade-guard.js';
import type { UpgradeAcceptance, WsGate } from './wsgate.js';

/** The part of a `ws` `WebSocketServer` that {@link handleUpgrade} drives. */
export interface UpgradingServer<S> {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, callback: (client: S) => void): void;
}

/** What {@link handleUpgrade} needs of an upgraded socket (to close it in close-frame refusal mode). */
export interface UpgradedClient {
  on(event: 'error', listener: () => void): unknown;
  terminate(): void;
  close(code: number, reason: string): void;
}

/** What {@link handleUpgrade} reports back to the adapter. */
export interface UpgradeHandlers<S> {
  /** The upgrade was accepted and became `client`: admit it. */
  accepted(client: S, acceptance: UpgradeAcceptance, request: IncomingMessage): void;
  /** Audit events of refusals. */
  report(event: AuditEvent): void;
  /** Where the subprotocol to select for an upgrade in flight is kept (read by `handleProtocols`). */
  readonly protocols: WeakMap<IncomingMessage, string | undefined>;
}

/**
 * The whole upgrade of an adapter that gets raw `upgrade` events (NestJS's, a plain `ws`
 * server's): waits out a response still being written on the connection, guards the socket
 * (it ends as a WebSocket or destroyed), authorizes, answers a refusal in HTTP (or opens and
 * closes in close-frame mode), gives the connection slot back if the client leaves, and hands
 * an accepted upgrade to `server` and then to `handlers.accepted`. Never throws; an unexpected
 * fault answers 500.
 */
export function handleUpgrade<S extends UpgradedClient>(
  gate: WsGate,
  server: UpgradingServer<S>,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  handlers: UpgradeHandlers<S>,
): void {
  const refuseWithSocket = (answer: Extract<RefusalAnswer, { kind: 'close' }>) => {
    handlers.protocols.set(request, undefined);
    server.handleUpgrade(request, socket, head, (client) => {
      client.on('error', () => client.terminate());
      client.close(answer.closeCode, answer.reason);
    });
  };
  const upgrade = async (): Promise<void> => {
    const guard = new UpgradeDeadline(socket, gate.upgradeTimeoutMs);
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
      handlers.report(answer.audit);
      if (answer.kind === 'http') writeHttpRefusal(socket, answer.status, answer.body, answer.headers);
      else refuseWithSocket(answer);
      return;
    }
    handlers.protocols.set(request, result.protocol);
    // ws answers a broken handshake itself and never calls back: the slot is freed on close then.
    guard.hold(result.reservation);
    server.handleUpgrade(request, socket, head, (client) => {
      guard.upgraded();
      handlers.accepted(client, result, request);
    });
  };
  afterPendingResponse(socket, () => {
    upgrade().catch(() => writeHttpRefusal(socket, 500, { error: 'INTERNAL_ERROR' }));
  });
}
