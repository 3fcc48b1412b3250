import type {
  ConnectionRegistry,
  ClosableConnection,
  IssueForRequestResult,
  MessageDefinition,
  MessageSchema,
  Principal,
  TicketClaims,
  TicketSubject,
  WsGate,
} from '@wsgate/core';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/**
 * The claims your tickets carry. Augment it to type principals everywhere (as `@fastify/jwt`
 * does with its user type):
 *
 * @example
 * declare module '@wsgate/fastify' {
 *   interface WsGateClaims { roles: string[] }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WsGateClaims extends TicketClaims {}

/** What a message handler gets besides the message. */
export interface WsGateMessageContext {
  /** The socket the message arrived on. */
  readonly socket: WebSocket;
  /** The upgrade request (logger, route, decorations). */
  readonly request: FastifyRequest;
  /** Who the ticket was issued to (claims refreshed by the session re-check). */
  readonly principal: Principal<WsGateClaims>;
  /** Sends a JSON frame (an object, or pre-serialised text) on this socket, with the send-buffer cap. */
  send(frame: object | string): void;
}

/**
 * One message type of a WebSocket route: its schema (TypeBox / JSON Schema, Zod, Valibot,
 * ArkType or a Validator), who may send it (`roles`, `claims`: else `FORBIDDEN`), its handler.
 * Declared at registration (route `config.wsgate.messages`), checked before the handler runs.
 */
export type WsGateMessageDefinition<S extends MessageSchema = MessageSchema> = MessageDefinition<
  S,
  WsGateMessageContext
>;

/** The messages a WebSocket route accepts, by `type`. Build it with `defineMessages` for typed handlers. */
export type WsGateMessages = Readonly<Record<string, WsGateMessageDefinition>>;

/** Per-route settings (`config.wsgate` of a `{ websocket: true }` route). */
export interface WsGateRouteConfig {
  /** The messages the route accepts; every other frame is refused. */
  readonly messages?: WsGateMessages;
  /**
   * The route reads frames itself, unvalidated (`socket.on('message')`): say so explicitly.
   * The socket is still authenticated, registered and supervised; `ws`'s size limit still applies.
   */
  readonly raw?: true;
}

/** What an authenticated WebSocket handler finds on `request.wsgate`. */
export interface WsGateRequestContext {
  /** Who the ticket was issued to (claims refreshed by the session re-check). */
  readonly principal: Principal<WsGateClaims>;
  /** Client address, resolved through trusted proxies. */
  readonly clientIp: string | undefined;
  /** Normalised Origin of the upgrade, if any. */
  readonly origin: string | undefined;
  /** Sends a JSON frame on a socket, with the send-buffer cap (a slow reader is closed with 1008). */
  send(socket: WebSocket, frame: object | string): void;
}

/** The `fastify.wsgate` decorator. */
export interface WsGateDecorator {
  /** The core gate (ticket service, policies, registry, supervisor) this plugin runs on. */
  readonly gate: WsGate<WsGateClaims>;
  /** Open authenticated connections (this instance's). */
  readonly registry: ConnectionRegistry<ClosableConnection>;
  /**
   * Issues a ticket for the authenticated user of `request`, in your own route. Refuses a
   * foreign Origin (`{ ok: false, status: 403 }`); rejects with a `WsGateError` (503) if the
   * store is down.
   */
  issueTicket(request: FastifyRequest, user: TicketSubject<WsGateClaims>): Promise<IssueForRequestResult>;
  /**
   * Closes every socket opened from this session with 4401, on this instance (wire the Redis
   * revocation bus to reach the others). Returns how many.
   */
  revokeSession(sessionId: string, reason?: string): number;
  /** Closes every socket of this subject with 4401, on this instance. Returns how many. */
  revokeSubject(subject: string, reason?: string): number;
  /** Sends a JSON frame on any socket, with the send-buffer cap (broadcasts). */
  send(socket: WebSocket, frame: object | string): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** @wsgate: tickets, revocation, sending. */
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
    /**
     * @wsgate settings of a WebSocket route: `{ messages }` (validated and authorized before
     * your handlers), `{ raw: true }` (you read frames yourself), or `false` (a public route, no
     * ticket). A WebSocket route must say one of these.
     */
    wsgate?: false | WsGateRouteConfig;
  }
}
