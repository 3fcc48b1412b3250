import type { Principal } from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';

// Classes, not object literals with getters: a literal with a getter is a dictionary-mode object
// of several hundred bytes, and an idle connection keeps its contexts for its whole life.

/** Where a context reads its principal: an admitted connection (its claims follow the session re-check). */
export interface PrincipalSource<TClaims extends TicketClaims = TicketClaims> {
  /** The connection's principal as it is now. */
  readonly principal: Principal<TClaims>;
}

/**
 * What a WebSocket handler knows of the upgrade that opened its socket: who the ticket was issued
 * to (read through the admitted connection, so claims refreshed by the session re-check show), the
 * client address and the Origin. Adapters extend it with their framework's parts.
 */
export class UpgradeContext<TClaims extends TicketClaims = TicketClaims> {
  readonly #connection: PrincipalSource<TClaims>;
  /** Client address, resolved through trusted proxies. */
  readonly clientIp: string | undefined;
  /** Normalised Origin of the upgrade, if any. */
  readonly origin: string | undefined;

  constructor(
    connection: PrincipalSource<TClaims>,
    upgrade: { readonly clientIp: string | undefined; readonly origin: string | undefined },
  ) {
    this.#connection = connection;
    this.clientIp = upgrade.clientIp;
    this.origin = upgrade.origin;
  }

  /** Who the ticket was issued to (claims refreshed by the session re-check). */
  get principal(): Principal<TClaims> {
    return this.#connection.principal;
  }
}

/**
 * What a message handler gets besides the message: the socket, its principal (as in
 * {@link UpgradeContext}) and `send`, bound to the socket when first read (handlers may take the
 * context apart: `(message, { send })`). Adapters extend it with their framework's parts.
 */
export class SocketContext<S, TClaims extends TicketClaims = TicketClaims> {
  readonly #connection: PrincipalSource<TClaims>;
  readonly #sender: (socket: S, frame: object | string) => void;
  #send: ((frame: object | string) => void) | undefined;
  /** The socket the message arrived on. */
  readonly socket: S;

  constructor(
    connection: PrincipalSource<TClaims>,
    socket: S,
    sender: (socket: S, frame: object | string) => void,
  ) {
    this.#connection = connection;
    this.#sender = sender;
    this.socket = socket;
  }

  /** Who the ticket was issued to (claims refreshed by the session re-check). */
  get principal(): Principal<TClaims> {
    return this.#connection.principal;
  }

  /** Sends a frame (an object as JSON, or text) on this socket, through the adapter's sender. */
  get send(): (frame: object | string) => void {
    return (this.#send ??= (frame) => this.#sender(this.socket, frame));
  }
}
