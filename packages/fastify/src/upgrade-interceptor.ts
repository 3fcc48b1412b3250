import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  afterPendingResponse,
  guardUpgrade,
  handshakeRequestFrom,
  redactRequestForLog,
  writeHttpRefusal,
  type AuditEvent,
  type HandshakeInspection,
  type RefusalAnswer,
  type HandshakeRequest,
  type UpgradeGuard,
} from '@wsgate/core';

const kInspection = Symbol('wsgate.handshake-inspection');
const kGuard = Symbol('wsgate.upgrade-guard');

type InspectedRequest = IncomingMessage & { [kInspection]?: HandshakeInspection; [kGuard]?: UpgradeGuard };

/** What the interceptor needs of the gate. */
interface InspectingGate {
  readonly queryParam: string;
  readonly upgradeTimeoutMs: number;
  inspectHandshake(request: HandshakeRequest): HandshakeInspection;
  drainRefusal(request: HandshakeRequest): RefusalAnswer | undefined;
}

/** What {@link interceptUpgrades} hands to @fastify/websocket and the route hooks. */
export interface UpgradeInterception {
  /** What @fastify/websocket listens to instead of the HTTP server (its `options.server`). */
  readonly relay: EventEmitter;
  /** The inspection made when the upgrade arrived (what authorization needs). */
  inspectionOf(request: IncomingMessage): HandshakeInspection;
  /** The upgrade became a WebSocket: its deadline no longer applies. */
  upgraded(request: IncomingMessage): void;
  /** Stops listening to the HTTP server. */
  stop(): void;
}

/**
 * Owns the HTTP server's `upgrade` event for @wsgate/fastify (and redacts every plain request's
 * URL before Fastify logs it): each upgrade is inspected once
 * and redacted before Fastify's router or logger sees it, guarded (it ends as a WebSocket or a
 * destroyed socket), and handed to @fastify/websocket only once no earlier response is still
 * being written on its connection (pipelining: see core's `afterPendingResponse`).
 */
export function interceptUpgrades(
  server: Server,
  gate: InspectingGate,
  report: (event: AuditEvent) => void,
): UpgradeInterception {
  const relay = new EventEmitter();
  const inspect = (request: InspectedRequest): void => {
    if (request[kInspection] !== undefined) return;
    request[kInspection] = gate.inspectHandshake(handshakeRequestFrom(request));
    redactRequestForLog(request, gate.queryParam);
  };
  // Requests that reach the relay without passing the server listener (`injectWS`) are inspected here.
  relay.prependListener('upgrade', inspect);
  const onUpgrade = (request: InspectedRequest, socket: Duplex, head: Buffer): void => {
    request[kGuard] = guardUpgrade(socket, gate.upgradeTimeoutMs);
    afterPendingResponse(socket, () => {
      if (socket.destroyed) return;
      // Draining (app.close()): core's 503, before Fastify's router answers its own.
      const draining = gate.drainRefusal(handshakeRequestFrom(request));
      if (draining?.kind === 'http') {
        report(draining.audit);
        writeHttpRefusal(socket, draining.status, draining.body, draining.headers);
        return;
      }
      try {
        inspect(request);
        relay.emit('upgrade', request, socket, head);
      } catch {
        socket.destroy();
      }
    });
  };
  server.on('upgrade', onUpgrade);
  // Plain requests carry no ticket to read, but a client may put one in any URL: never logged.
  const onRequest = (request: IncomingMessage) => redactRequestForLog(request, gate.queryParam);
  server.prependListener('request', onRequest);
  return {
    relay,
    inspectionOf: (request) =>
      (request as InspectedRequest)[kInspection] ?? gate.inspectHandshake(handshakeRequestFrom(request)),
    upgraded: (request) => (request as InspectedRequest)[kGuard]?.upgraded(),
    stop: () => {
      server.removeListener('upgrade', onUpgrade);
      server.removeListener('request', onRequest);
    },
  };
}
