import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  afterPendingResponse,
  guardUpgrade,
  handshakeRefusal,
  handshakeRequestFrom,
  redactRequestForLog,
  writeHttpRefusal,
  type HandshakeInspection,
  type HandshakeRefusal,
  type HandshakeRequest,
  type SessionBinding,
  type UpgradeAcceptance,
  type UpgradeGuard,
} from '@wsgate/core';
import { classifyEngineRequest, engineQueryOf, type EngineQuery } from './engine-requests.js';
import type { SocketIoConfig } from './options.js';
import type { WsGateClaims } from './types.js';

/** A request as Engine.IO hands it to its middlewares (its query already parsed). */
export type EngineRequest = IncomingMessage & { _query?: Record<string, string | undefined> };

/** An Engine.IO middleware (`io.engine.use()`): `res` is a stand-in for a WebSocket upgrade. */
export type EngineMiddleware = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** The gate in front of Engine.IO: its middleware, and what it learnt of accepted requests. */
export interface EngineGate {
  /** Runs for every Engine.IO request, upgrades included, before Engine.IO acts on it. */
  readonly middleware: EngineMiddleware;
  /**
   * The session of `request` (its first request) opened: its accepted handshake, whose slot its
   * admission takes over from now on (the early-close release is dropped). Call it once.
   */
  sessionOpened(request: object): UpgradeAcceptance<WsGateClaims> | undefined;
  /** The upgrade of `request` became a WebSocket: its deadline no longer applies. */
  upgraded(request: object): void;
}

/**
 * Builds the gate of every Engine.IO request, which runs before any session exists:
 * - an upgrade gets a deadline (it ends as a WebSocket or a destroyed socket), and waits for a
 *   response still being written on its connection;
 * - the ticket is read, then taken out of the URL and of Engine.IO's query (logs, `handshake`);
 * - the request is classified (see `classifyEngineRequest`): what Engine.IO must never see is
 *   refused before the ticket is looked at;
 * - a handshake goes through core's `authorizeUpgrade` (the syntax `ws` checks only for
 *   upgrades); a session request through `authorizeSessionRequest` against the address and
 *   Origin that redeemed the session's ticket;
 * - a refusal is answered in HTTP (401/403/429/503, `{ error: CODE }`), on the raw socket for an
 *   upgrade, and Engine.IO never sees the request: no session, no `sid`.
 */
export function createEngineGate(
  config: SocketIoConfig,
  sessionRequestOf: (sid: string) => object | undefined,
): EngineGate {
  const { gate, report, polling } = config;
  const acceptances = new WeakMap<object, UpgradeAcceptance<WsGateClaims>>();
  const guards = new WeakMap<object, UpgradeGuard>();
  /** The early-close release of an accepted request, until its session opens. */
  const earlyCloses = new WeakMap<object, () => void>();
  const hints: Readonly<Record<string, string>> = {
    TICKET_MISSING: `put the ticket in the handshake query (io(url, { query: { ${gate.queryParam}: ticket } })), not in auth`,
    transport_not_allowed: polling
      ? 'transport not allowed: websocket or polling (no JSONP)'
      : 'long-polling is off: connect with transports: ["websocket"]',
  };

  const bindingOf = (sid: string): SessionBinding | undefined => {
    const request = sessionRequestOf(sid);
    return request === undefined ? undefined : acceptances.get(request);
  };
  const clientIpOf = (request: HandshakeRequest): string | undefined => {
    try {
      return gate.transport.clientIp(request);
    } catch {
      return undefined;
    }
  };

  async function authorize(
    request: EngineRequest,
    query: EngineQuery,
    upgrade: boolean,
    inspection: HandshakeInspection,
  ): Promise<HandshakeRefusal | undefined> {
    const handshake = handshakeRequestFrom(request);
    const kind = classifyEngineRequest(query, upgrade, request.method, polling);
    if (kind.kind === 'refused') return handshakeRefusal(kind.code, kind.reason, clientIpOf(handshake));
    if (kind.kind === 'session') {
      const checked = gate.authorizeSessionRequest(handshake, bindingOf(kind.sid), { websocket: upgrade });
      return checked.ok ? undefined : checked;
    }
    const result = await gate.authorizeUpgrade(handshake, { websocket: upgrade, inspection });
    if (!result.ok) return result;
    acceptances.set(request, result);
    // Client gone before its session opened: give the connection slot back at once.
    const release = () => result.reservation.release();
    earlyCloses.set(request, release);
    request.socket.once('close', release);
    return undefined;
  }

  function refuse(
    refusal: HandshakeRefusal,
    request: EngineRequest,
    response: ServerResponse,
    upgrade: boolean,
  ) {
    const answer = gate.answerRefusal(refusal, 'http');
    report(answer.audit);
    if (answer.kind !== 'http') {
      request.socket.destroy();
      return;
    }
    const hint = hints[refusal.code] ?? hints[refusal.reason];
    const body = hint === undefined ? answer.body : { ...answer.body, message: hint };
    if (upgrade) {
      writeHttpRefusal(request.socket, answer.status, body, answer.headers);
    } else if (response.headersSent) {
      response.end();
    } else {
      response
        .writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json' })
        .end(JSON.stringify(body));
    }
  }

  const middleware: EngineMiddleware = (incoming, response, next) => {
    const request = incoming as EngineRequest;
    // Engine.IO hands an upgrade a stand-in response without a status.
    const upgrade = typeof (response as { statusCode?: unknown }).statusCode !== 'number';
    if (upgrade) guards.set(request, guardUpgrade(request.socket, gate.upgradeTimeoutMs));
    const query = request._query ?? engineQueryOf(request.url);
    const inspection = gate.inspectHandshake(handshakeRequestFrom(request), { websocket: upgrade });
    redactRequestForLog(request, gate.queryParam);
    if (request._query !== undefined) Reflect.deleteProperty(request._query, gate.queryParam);
    const decide = () =>
      void authorize(request, query, upgrade, inspection).then(
        (refusal) => (refusal === undefined ? next() : refuse(refusal, request, response, upgrade)),
        (fault: unknown) => next(fault),
      );
    if (upgrade) afterPendingResponse(request.socket, decide);
    else decide();
  };

  return {
    middleware,
    sessionOpened(request) {
      // The session is open: its admission releases the slot from now on, not this listener.
      const release = earlyCloses.get(request);
      if (release !== undefined) {
        earlyCloses.delete(request);
        (request as IncomingMessage).socket.off('close', release);
      }
      return acceptances.get(request);
    },
    upgraded(request) {
      guards.get(request)?.upgraded();
      guards.delete(request);
    },
  };
}
