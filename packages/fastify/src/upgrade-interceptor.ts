import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  handshakeRequestFrom,
  redactUrlForLog,
  withoutTicketSubprotocols,
  type HandshakeInspection,
  type HandshakeRequest,
} from '@wsgate/core';

/** What the interceptor needs of the gate. */
interface InspectingGate {
  readonly queryParam: string;
  inspectHandshake(request: HandshakeRequest): HandshakeInspection;
}

const kInspection = Symbol('wsgate.handshake-inspection');

type InspectedRequest = IncomingMessage & { [kInspection]?: HandshakeInspection };

/** Node's http server keeps the response still being written on a connection here (pipelining). */
type ConnectionSocket = Duplex & { _httpMessage?: ServerResponse | null };

/** What {@link interceptUpgrades} hands to @fastify/websocket and the route hooks. */
export interface UpgradeInterception {
  /**
   * The emitter @fastify/websocket listens to instead of the HTTP server (its `options.server`):
   * it sees an upgrade only after it was inspected and redacted.
   */
  readonly relay: EventEmitter;
  /** The inspection made when the upgrade arrived (what authorization needs). */
  inspectionOf(request: IncomingMessage): HandshakeInspection;
  /** Marks the upgrade as done (the WebSocket exists): its deadline no longer applies. */
  upgraded(request: IncomingMessage): void;
  /** Stops listening to the HTTP server. */
  stop(): void;
}

const kDeadline = Symbol('wsgate.upgrade-deadline');
type DeadlinedSocket = Duplex & { [kDeadline]?: NodeJS.Timeout };

/** Inspects the handshake once, then takes the ticket out of what Fastify and its logger will see. */
function inspectAndRedact(gate: InspectingGate, request: IncomingMessage): void {
  const stamped = request as InspectedRequest;
  if (stamped[kInspection] !== undefined) return;
  stamped[kInspection] = gate.inspectHandshake(handshakeRequestFrom(request));
  request.url = redactUrlForLog(request.url ?? '/', gate.queryParam);
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return;
  const remaining = withoutTicketSubprotocols(protocols);
  if (remaining === protocols) return;
  // Dropped rather than masked: `ws` still parses what is left and selects `wsgate` from it.
  if (remaining === undefined) delete request.headers['sec-websocket-protocol'];
  else request.headers['sec-websocket-protocol'] = remaining;
  // A synthetic request (@fastify/websocket's `injectWS`) has no rawHeaders.
  const rawHeaders: string[] = Array.isArray(request.rawHeaders) ? request.rawHeaders : [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === 'sec-websocket-protocol')
      rawHeaders[index + 1] = remaining ?? '';
  }
}

/**
 * Owns the HTTP server's `upgrade` event for @wsgate/fastify. For every upgrade request:
 * 1. the handshake is inspected once (syntax, the ticket and where it was), and the ticket is
 *    taken out of the URL and the subprotocol header before Fastify's router or logger sees them;
 * 2. an upgrade pipelined behind a response still being written on the same connection waits
 *    for that response, then goes on (without this, @fastify/websocket fails with
 *    `ERR_HTTP_SOCKET_ASSIGNED` and leaves the socket open for ever — an upstream defect that
 *    let anyone exhaust the server's file descriptors without a ticket);
 * 3. an upgrade that has not become a WebSocket within `upgradeTimeoutMs`, or whose dispatch
 *    throws, is destroyed: every upgrade ends as a WebSocket or as a closed socket.
 */
export function interceptUpgrades(
  server: Server,
  gate: InspectingGate,
  upgradeTimeoutMs: number,
): UpgradeInterception {
  const relay = new EventEmitter();
  // Requests that reach the relay without passing the server listener (`injectWS`) are inspected here.
  relay.prependListener('upgrade', (request: IncomingMessage) => inspectAndRedact(gate, request));

  const dispatch = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (socket.destroyed) return;
    try {
      relay.emit('upgrade', request, socket, head);
    } catch {
      socket.destroy();
    }
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const guarded = socket as DeadlinedSocket;
    const deadline = setTimeout(() => socket.destroy(), upgradeTimeoutMs);
    deadline.unref();
    guarded[kDeadline] = deadline;
    socket.once('close', () => clearTimeout(deadline));
    try {
      inspectAndRedact(gate, request);
    } catch {
      socket.destroy();
      return;
    }
    const pending = (socket as ConnectionSocket)._httpMessage;
    if (pending === undefined || pending === null) {
      dispatch(request, socket, head);
      return;
    }
    // A response to an earlier request on this connection is still being written: wait for it.
    let dispatched = false;
    const resume = (): void => {
      if (dispatched) return;
      dispatched = true;
      dispatch(request, socket, head);
    };
    pending.once('finish', resume);
    pending.once('close', resume);
  };
  server.on('upgrade', onUpgrade);

  return {
    relay,
    inspectionOf(request) {
      const inspection = (request as InspectedRequest)[kInspection];
      return inspection ?? gate.inspectHandshake(handshakeRequestFrom(request));
    },
    upgraded(request) {
      const socket = request.socket as DeadlinedSocket | null;
      if (socket?.[kDeadline] !== undefined) clearTimeout(socket[kDeadline]);
    },
    stop() {
      server.removeListener('upgrade', onUpgrade);
    },
  };
}
