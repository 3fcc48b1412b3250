import { SocketContext, UpgradeContext, type AdmittedConnection, type UpgradeAcceptance } from '@wsgate/core';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { WsGateClaims, WsGateMessageContext, WsGateRequestContext } from './types.js';

/** Sends a frame on a socket with the send-buffer cap (the gate's supervisor). */
export type FrameSender = (socket: WebSocket, frame: object | string) => void;

/** `request.wsgate` of an authenticated WebSocket request: core's upgrade context, and `send`. */
export class RequestContext extends UpgradeContext<WsGateClaims> implements WsGateRequestContext {
  readonly send: FrameSender;

  constructor(
    admitted: AdmittedConnection<WsGateClaims>,
    acceptance: UpgradeAcceptance<WsGateClaims>,
    send: FrameSender,
  ) {
    super(admitted, acceptance);
    this.send = send;
  }
}

/** What a route's message handlers get besides the message: core's socket context, and the request. */
export class MessageContext extends SocketContext<WebSocket, WsGateClaims> implements WsGateMessageContext {
  readonly request: FastifyRequest;

  constructor(
    admitted: AdmittedConnection<WsGateClaims>,
    socket: WebSocket,
    request: FastifyRequest,
    send: FrameSender,
  ) {
    super(admitted, socket, send);
    this.request = request;
  }
}
