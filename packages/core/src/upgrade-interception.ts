import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AuditEvent } from './audit-events.js';
import type { HandshakeInspection } from './handshake-authorizer.js';
import { handshakeRequestFrom, type HandshakeRequest } from './handshake-request.js';
import {
  afterPendingResponse,
  redactRequestForLog,
  UpgradeDeadline,
  type UpgradeHold,
} from './upgrade-guard.js';
import { writeHttpRefusal, type RefusalAnswer } from './upgrade-decision.js';
import { coalesceHandshakeWrites, type HandshakeHeadersEmitter } from './handshake-coalescing.js';

/** What the interception keeps on an upgrade request until it becomes a WebSocket (then nothing). */
interface UpgradeState {
  inspection: HandshakeInspection | undefined;
  deadline: UpgradeDeadline | undefined;
}

/** What {@link interceptUpgrades} needs of the gate (a `WsGate` has it). */
export interface InspectingGate {
  readonly queryParam: string;
  readonly upgradeTimeoutMs: number;
  inspectHandshake(request: HandshakeRequest): HandshakeInspection;
  drainRefusal(request: HandshakeRequest): RefusalAnswer | undefined;
}

/** The `ws` server that completes the intercepted upgrades (e.g. `fastify.websocketServer`). */
export interface CompletingServer extends HandshakeHeadersEmitter {
  /** Listens to `ws`'s `connection` event: an upgrade became a WebSocket. */
  on(event: 'connection', listener: (socket: unknown, request: IncomingMessage) => void): unknown;
  /** Listens to `ws`'s `headers` event, emitted just before it writes the 101. */
  on(event: 'headers', listener: (headers: string[], request: IncomingMessage) => void): unknown;
}

/** What {@link interceptUpgrades} hands to the WebSocket library and the adapter's hooks. */
export interface UpgradeInterception {
  /** What the WebSocket library listens to instead of the HTTP server (e.g. @fastify/websocket's `options.server`). */
  readonly relay: EventEmitter;
  /** The inspection made when the upgrade arrived (what authorization needs). */
  inspectionOf(request: IncomingMessage): HandshakeInspection;
  /**
   * Gives `hold` (a connection slot) back if the upgrade does not complete: at once when the
   * client is already gone, else when its deadline passes. Call it after the last check, right
   * before the framework completes the upgrade (it stops listening to the socket's `close`).
   */
  holdUntilUpgraded(request: IncomingMessage, hold: UpgradeHold): void;
  /** The upgrade became a WebSocket: its deadline no longer applies, nothing of it is kept. */
  upgraded(request: IncomingMessage): void;
  /**
   * Follows the `ws` server that completes the upgrades: each one it reports as a `connection`
   * (as @fastify/websocket emits it) is {@link UpgradeInterception.upgraded}, and its 101 leaves with the first frames in one write
   * (see {@link coalesceHandshakeWrites}).
   */
  follow(server: CompletingServer): void;
  /** Stops listening to the HTTP server. */
  stop(): void;
}

/**
 * Owns an HTTP server's `upgrade` event for an adapter whose WebSocket library listens to it
 * itself (@fastify/websocket), and redacts every plain request's URL before a framework logs it:
 * each upgrade is inspected once (what authorization needs is kept) and redacted before the
 * framework's router or logger sees it, guarded (it ends as a WebSocket or a destroyed socket,
 * see {@link guardUpgrade}), and relayed to the library only once no earlier response is still
 * being written on its connection (pipelining: see {@link afterPendingResponse}). While the
 * gate drains, an upgrade is answered 503 here (reported through `report`).
 */
export function interceptUpgrades(
  server: Server,
  gate: InspectingGate,
  report: (event: AuditEvent) => void,
): UpgradeInterception {
  const relay = new EventEmitter();
  // Kept beside the request, not on it: a property added to the request would stay in its
  // property storage for the connection's whole life (the framework keeps the request).
  const upgrades = new WeakMap<IncomingMessage, UpgradeState>();
  const inspect = (request: IncomingMessage, facts?: HandshakeRequest): void => {
    const state = upgrades.get(request);
    if (state?.inspection !== undefined) return;
    const inspection = gate.inspectHandshake(facts ?? handshakeRequestFrom(request));
    if (state === undefined) upgrades.set(request, { inspection, deadline: undefined });
    else state.inspection = inspection;
    redactRequestForLog(request, gate.queryParam);
  };
  // Requests that reach the relay without passing the server listener (`injectWS`) are inspected here.
  relay.prependListener('upgrade', (request: IncomingMessage) => inspect(request));
  const dispatch = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (socket.destroyed) return;
    const facts = handshakeRequestFrom(request);
    // Draining (the app is closing): core's 503, before the framework's router answers its own.
    const draining = gate.drainRefusal(facts);
    if (draining?.kind === 'http') {
      report(draining.audit);
      writeHttpRefusal(socket, draining.status, draining.body, draining.headers);
      return;
    }
    try {
      inspect(request, facts);
      relay.emit('upgrade', request, socket, head);
    } catch {
      socket.destroy();
    }
  };
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    upgrades.set(request, {
      inspection: undefined,
      deadline: new UpgradeDeadline(socket, gate.upgradeTimeoutMs),
    });
    afterPendingResponse(socket, () => dispatch(request, socket, head));
  };
  server.on('upgrade', onUpgrade);
  // Plain requests carry no ticket to read, but a client may put one in any URL: never logged.
  const onRequest = (request: IncomingMessage) => redactRequestForLog(request, gate.queryParam);
  server.prependListener('request', onRequest);
  const upgraded = (request: IncomingMessage): void => {
    upgrades.get(request)?.deadline?.upgraded();
    upgrades.delete(request);
  };
  return {
    relay,
    inspectionOf: (request) =>
      upgrades.get(request)?.inspection ?? gate.inspectHandshake(handshakeRequestFrom(request)),
    holdUntilUpgraded: (request, hold) => {
      const deadline = upgrades.get(request)?.deadline;
      if (deadline === undefined) {
        // Not intercepted (`injectWS`): nothing bounds the upgrade, give the slot back if it never attaches.
        if (request.socket?.destroyed === true) hold.release();
        return;
      }
      deadline.hold(hold);
      deadline.stopWatchingClose();
    },
    upgraded,
    follow: (completing) => {
      coalesceHandshakeWrites(completing);
      completing.on('connection', (_socket, request) => upgraded(request));
    },
    stop: () => {
      server.removeListener('upgrade', onUpgrade);
      server.removeListener('request', onRequest);
    },
  };
}
