import type { MessageDefinition, MessageSchema, Principal, TicketClaims } from '@wsgate/core';
import type { DefaultEventsMap, Socket } from 'socket.io';

/**
 * The claims your tickets carry. Augment it to type principals everywhere:
 *
 * @example
 * declare module '@wsgate/socket.io' {
 *   interface WsGateClaims { roles: string[] }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WsGateClaims extends TicketClaims {}

/**
 * What @wsgate puts on `socket.data`: use it as (part of) your server's `SocketData` type,
 * `new Server<ClientEvents, ServerEvents, {}, WsGateSocketData>(...)`.
 */
export interface WsGateSocketData {
  /**
   * Who the ticket was issued to, set before your namespace middlewares (registered after
   * `wsgateSocketIo()`) and `connection` handlers run; read-only, never taken from the client's
   * `auth` payload. Its claims follow the session re-check.
   */
  readonly principal: Principal<WsGateClaims>;
}

/** A server-side Socket.IO socket of a server secured by @wsgate. */
export type WsGateSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, WsGateSocketData>;

/** What an event handler gets besides the payload. */
export interface SocketIoEventContext {
  /** The socket the event arrived on (emit, join rooms, `socket.nsp`...). */
  readonly socket: WsGateSocket;
  /** Who the ticket was issued to (claims refreshed by the session re-check). */
  readonly principal: Principal<WsGateClaims>;
}

/**
 * One event clients may send: the schema of its one payload argument (TypeBox / JSON Schema,
 * Zod, Valibot, ArkType or a Validator), who may send it (`roles`, `claims`: else `FORBIDDEN`),
 * its handler. What the handler returns (or its promise resolves to) is the acknowledgement,
 * when the client asked for one; a thrown `MessageRejection` is answered with its error.
 */
export type SocketIoEventDefinition<S extends MessageSchema = MessageSchema> = MessageDefinition<
  S,
  SocketIoEventContext
> & {
  /**
   * The payload may carry binary attachments (`Buffer`s; the schema must accept them). Any
   * other event with a binary attachment is refused and its connection closed.
   * @default false
   */
  readonly binary?: boolean;
};

/** The events clients may send, by name. Build it with `defineEvents` for typed handlers. */
export type SocketIoEvents = Readonly<Record<string, SocketIoEventDefinition>>;
