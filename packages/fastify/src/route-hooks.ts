import type { IncomingMessage } from 'node:http';
import {
  handshakeRequestFrom,
  type RefusalAnswer,
  type UpgradeAcceptance,
  type UpgradeInterception,
  type WsGate,
} from '@wsgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { logAudit } from './audit-log.js';
import type { RouteMessaging } from './route-messages.js';
import { MessageContext, RequestContext } from './socket-contexts.js';
import type { WsGateClaims, WsGateMessageContext } from './types.js';

/** What the `onRequest` hook decided, for the handler (cleared there: nothing of it stays with the socket). */
type UpgradeDecision = UpgradeAcceptance<WsGateClaims> | Extract<RefusalAnswer, { kind: 'close' }>;

// What the `onRequest` hook decided, by request (beside it, not on it: a property added to the
// request would stay in its property storage for the connection's whole life).
const decisions = new WeakMap<IncomingMessage, UpgradeDecision>();

function acceptanceOf(request: IncomingMessage): UpgradeAcceptance<WsGateClaims> | undefined {
  const decision = decisions.get(request);
  return decision !== undefined && 'ok' in decision ? decision : undefined;
}

/** A @fastify/websocket route handler. */
export type WebsocketHandler = (
  this: FastifyInstance,
  socket: WebSocket,
  request: FastifyRequest,
) => void | Promise<void>;

/** Builds the route hooks of one plugin registration: translation between Fastify and core. */
export function createRouteHooks(gate: WsGate<WsGateClaims>, interception: UpgradeInterception) {
  const send = (socket: WebSocket, frame: object | string) => void gate.supervisor.send(socket, frame);

  /** `onRequest` of a WebSocket route: the whole handshake check, before any socket exists. */
  async function authorizeUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!request.ws) return;
    const raw = request.raw;
    // The request was redacted on arrival: authorize with what was read from it then.
    const result = await gate.authorizeUpgrade(handshakeRequestFrom(raw), {
      inspection: interception.inspectionOf(raw),
    });
    if (result.ok) {
      decisions.set(raw, result);
      // Client gone before the upgrade completed: give the connection slot back at once.
      interception.holdUntilUpgraded(raw, result.reservation);
      return;
    }
    const answer = gate.answerRefusal(result);
    logAudit(request.log, answer.audit);
    if (answer.kind === 'close') decisions.set(raw, answer);
    else await reply.code(answer.status).headers(answer.headers).send(answer.body);
  }

  /** `onRequest` of every other route: an upgrade there gets 404, never an open-then-closed socket. */
  async function refuseUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.ws) await reply.code(404).send({ error: 'NOT_FOUND' });
  }

  /** Wraps a WebSocket route's handler: admission, message routing, then the handler. */
  function wrapHandler(handler: WebsocketHandler, messaging: RouteMessaging): WebsocketHandler {
    return function authenticatedWebsocketHandler(
      this: FastifyInstance,
      socket: WebSocket,
      request: FastifyRequest,
    ) {
      const raw = request.raw;
      const decision = decisions.get(raw) as UpgradeDecision;
      decisions.delete(raw);
      if (!('ok' in decision)) {
        socket.close(decision.closeCode, decision.reason);
        return;
      }
      const admitted = gate.openWebSocket<WsGateMessageContext>(decision, socket, {
        // Bound rather than a closure: a closure here would keep this whole scope for the socket's life.
        report: logAudit.bind(undefined, request.log),
        router: messaging.kind === 'routed' ? messaging.router : undefined,
        context: (connection) => new MessageContext(connection, socket, request, send),
      });
      request.wsgate = new RequestContext(admitted, decision, send);
      return handler.call(this, socket, request);
    };
  }

  return {
    authorizeUpgrade,
    refuseUpgrade,
    wrapHandler,
    send,
    /** The subprotocol to select (`ws`'s `handleProtocols`). */
    selectProtocol: (offered: Set<string>, request: IncomingMessage) =>
      gate.selectSubprotocol(offered, acceptanceOf(request)?.protocol),
  };
}
