import type {
  ConnectionRegistry,
  IssueForRequestResult,
  Principal,
  TicketClaims,
  WsGate,
  ClosableConnection,
} from '@wsgate/core';
import type { WebSocket } from 'ws';
import type { MessageHandlers } from './message-dispatcher.js';

/**
 * The claims your tickets carry. Augment it to type `request.wsgate.principal.claims`:
 *
 * @example
 * declare module '@wsgate/fastify' {
 *   interface WsGateClaims { roles: string[] }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WsGateClaims extends TicketClaims {}

/** What an authenticated WebSocket handler finds on `request.wsgate`. */
export interface WsGateRequestContext {
  /** Who the ticket was issued to. */
  readonly principal: Principal<WsGateClaims>;
  /** Client address, resolved through trusted proxies. */
  readonly clientIp: string | undefined;
  /** Normalised Origin of the upgrade, if any. */
  readonly origin: string | undefined;
  /**
   * Routes this socket's messages through the message guard (size, binary, safe JSON, rate
   * limit, schema) and dispatches each valid message to the handler for its `type`. Refusals
   * are answered with an error frame or a close code by the guard. Type it with the union of
   * your messages: `request.wsgate.onMessage<MessageOf<typeof schemas>>({...})`.
   */
  onMessage<M extends { type: string }>(socket: WebSocket, handlers: MessageHandlers<M>): void;
  /** Sends a JSON frame. Does nothing if the socket is not open. */
  send(socket: WebSocket, frame: object | string): void;
}

/** The `fastify.wsgate` decorator. */
export interface WsGateDecorator {
  /** The core services (ticket service, policies, authorizer, registry) this plugin runs on. */
  readonly gate: WsGate<WsGateClaims, unknown, ClosableConnection>;
  /**
   * Issues a ticket for the authenticated user of `request`, in your own route. Refuses a
   * foreign Origin (`{ ok: false, status: 403 }`); rejects with a `WsGateError` (503) if the
   * store is down.
   */
  issueTicket(
    request: import('fastify').FastifyRequest,
    user: { subject: string; sessionId?: string | undefined; claims?: WsGateClaims | undefined },
  ): Promise<IssueForRequestResult>;
  /** Closes every socket opened from this session with 4401. Returns how many. */
  revokeSession(sessionId: string, reason?: string): number;
  /** Closes every socket of this subject with 4401. Returns how many. */
  revokeSubject(subject: string, reason?: string): number;
  /** Open authenticated connections. */
  readonly registry: ConnectionRegistry;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** @wsgate: tickets, revocation. */
    wsgate: WsGateDecorator;
  }
  interface FastifyRequest {
    /**
     * @wsgate context of an authenticated WebSocket request (set before the handler runs);
     * `null` on other requests.
     */
    wsgate: WsGateRequestContext;
  }
  interface FastifyContextConfig {
    /** `false` makes this WebSocket route public (no ticket). @default true (authenticated) */
    wsgate?: boolean;
  }
}
