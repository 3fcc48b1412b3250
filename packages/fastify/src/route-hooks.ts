import { deferAdmission, writeAuditEvent, type UpgradeInterception, type WsGate } from '@wsgate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { RouteRouter } from './route-messages.js';
import { MessageContext, RequestContext } from './socket-contexts.js';
import type { WsGateClaims, WsGateMessageContext } from './types.js';

/** A @fastify/websocket route handler. */
export type WebsocketHandler = (
  this: FastifyInstance,
  socket: WebSocket,
  request: FastifyRequest,
) => void | Promise<void>;

/** Builds the route hooks of one plugin registration: translation between Fastify and core. */
export function createRouteHooks(gate: WsGate<WsGateClaims>, interception: UpgradeInterception) {
  const send = (socket: WebSocket, frame: object | string) => void gate.supervisor.send(socket, frame);
  // Decided in `onRequest`, before any socket exists; applied in the handler, once it does.
  const admission = deferAdmission(gate, interception);

  /** `onRequest` of a WebSocket route: the whole handshake check, before any socket exists. */
  async function authorizeUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!request.ws) return;
    const refusal = await admission.authorize(request.raw);
    if (refusal === undefined) return;
    writeAuditEvent(request.log, refusal.audit);
    if (refusal.kind === 'http') await reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
  }

  /** `onRequest` of every other route: an upgrade there gets 404, never an open-then-closed socket. */
  async function refuseUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.ws) await reply.code(404).send({ error: 'NOT_FOUND' });
  }

  /** Wraps a WebSocket route's handler: admission, message routing (unless raw), then the handler. */
  function wrapHandler(handler: WebsocketHandler, router: RouteRouter): WebsocketHandler {
    return function authenticatedWebsocketHandler(
      this: FastifyInstance,
      socket: WebSocket,
      request: FastifyRequest,
    ) {
      const opened = admission.open<WsGateMessageContext>(request.raw, socket, {
        // Bound rather than a closure: a closure here would keep this whole scope for the socket's life.
        report: writeAuditEvent.bind(undefined, request.log),
        router,
        context: (connection) => new MessageContext(connection, socket, request, send),
      });
      if (opened === undefined) return;
      request.wsgate = new RequestContext(opened.admitted, opened.acceptance, send);
      return handler.call(this, socket, request);
    };
  }

  return {
    authorizeUpgrade,
    refuseUpgrade,
    wrapHandler,
    send,
    /** The subprotocol to select (`ws`'s `handleProtocols`). */
    selectProtocol: admission.selectProtocol,
  };
}
