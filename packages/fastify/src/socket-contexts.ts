import type { AdmittedConnection, Principal, UpgradeAcceptance } from '@wsgate/core';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { WsGateClaims, WsGateMessageContext, WsGateRequestContext } from './types.js';

/** Sends a frame on a socket with the send-buffer cap (the gate's supervisor). */
export type FrameSender = (socket: WebSocket, frame: object | string) => void;

// Classes, not object literals with getters: a literal with a getter is a dictionary-mode object
// of several hundred bytes, and an idle connection keeps these for its whole life.

/** `request.wsgate` of an authenticated WebSocket request. */
export class RequestContext implements WsGateRequestContext {
  readonly #admitted: AdmittedConnection<WsGateClaims>;
  readonly clientIp: string | undefined;
  readonly origin: string | undefined;
  readonly send: FrameSender;

  constructor(
    admitted: AdmittedConnection<WsGateClaims>,
    acceptance: UpgradeAcceptance<WsGateClaims>,
    send: FrameSender,
  ) {
    this.#admitted = admitted;
    this.clientIp = acceptance.clientIp;
    this.origin = acceptance.origin;
    this.send = send;
  }

  get principal(): Principal<WsGateClaims> {
    return this.#admitted.principal;
  }
}

/** What a route's message handlers get besides the message. */
export class MessageContext implements WsGateMessageContext {
  readonly #admitted: AdmittedConnection<WsGateClaims>;
  readonly #sender: FrameSender;
  #send: ((frame: object | string) => void) | undefined;
  readonly socket: WebSocket;
  readonly request: FastifyRequest;

  constructor(
    admitted: AdmittedConnection<WsGateClaims>,
    socket: WebSocket,
    request: FastifyRequest,
    send: FrameSender,
  ) {
    this.#admitted = admitted;
    this.#sender = send;
    this.socket = socket;
    this.request = request;
  }

  get principal(): Principal<WsGateClaims> {
    return this.#admitted.principal;
  }

  /** Bound to this socket, made on first use (handlers may take it apart: `(message, { send })`). */
  get send(): (frame: object | string) => void {
    return (this.#send ??= (frame) => this.#sender(this.socket, frame));
  }
}
