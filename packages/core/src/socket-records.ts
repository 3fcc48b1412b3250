import type { EnvelopeCodec } from './envelope-codecs.js';
import type { MessageError } from './message-errors.js';
import type { Principal } from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';

/** An acknowledgement callback a client sent with a message (Socket.IO's; `ws` has none). */
export type SocketAcknowledgement = (...args: unknown[]) => void;

/**
 * What an adapter records on a socket it admitted, for code that holds only the socket (a
 * framework's guards, decorators, exception filters): the connection's principal, and how an
 * error about one message reaches the client. Read it with {@link principalOf} and
 * {@link sendSocketError}. A long-lived object of the connection (e.g. the router's view of it),
 * not a closure per socket.
 */
export interface SocketRecord<TClaims extends TicketClaims = TicketClaims> {
  /** The connection's principal as it is now (its claims follow the session re-check). */
  readonly principal: Principal<TClaims>;
  /**
   * Sends `error` about one message the transport's way: a frame in the socket's envelope
   * (`ws`), or the message's acknowledgement `ack`, else an `exception` event (Socket.IO).
   * Nothing once the socket is closed. Absent when the socket has no message channel (a route
   * that reads raw frames itself).
   */
  sendError?(error: MessageError, ack: SocketAcknowledgement | undefined): void;
  /**
   * Reports that one of the socket's messages was refused with `code` (`wsgate.message_refused`,
   * counted in `wsgate.messages.refused`). See {@link reportSocketRefusal}.
   */
  refused?(code: string): void;
}

// Registered, so that a socket recorded by one copy of @wsgate/core (ESM or CJS, loaded twice in
// one process) is read by the other.
const RECORD = Symbol.for('@wsgate/core:socket-record');
/** ws's `WebSocket.OPEN`, without importing `ws`. */
const OPEN = 1;

/**
 * Records `record` on `socket` (once: the property is read-only and cannot be redefined). Core's
 * `openWebSocket` does it for every `ws` socket it admits, `@wsgate/socket.io` for every
 * Socket.IO socket it lets join a namespace.
 */
export function recordSocket(socket: object, record: SocketRecord): void {
  Object.defineProperty(socket, RECORD, { value: record, enumerable: false, writable: false });
}

function recordOf(socket: unknown): SocketRecord | undefined {
  if (socket === null || typeof socket !== 'object') return undefined;
  return (socket as Record<symbol, SocketRecord | undefined>)[RECORD];
}

/**
 * The principal of the ticket that opened `socket` (a socket an adapter admitted), or
 * `undefined` for any other value. Its claims follow the session re-check.
 *
 * @example
 * const subject = principalOf(socket)?.subject;
 */
export function principalOf<TClaims extends TicketClaims = TicketClaims>(
  socket: unknown,
): Principal<TClaims> | undefined {
  return recordOf(socket)?.principal as Principal<TClaims> | undefined;
}

/** Options of {@link sendSocketError}. */
export interface SendSocketErrorOptions {
  /** The acknowledgement the client sent with the message the error is about (Socket.IO). */
  readonly ack?: SocketAcknowledgement | undefined;
  /**
   * The envelope of a `ws`-like socket no adapter admitted (its framework's default): without
   * it, such a socket gets nothing.
   */
  readonly codec?: EnvelopeCodec;
}

/**
 * Sends `error` about one message to the client of `socket`: through the record of a socket an
 * adapter admitted (see {@link SocketRecord.sendError}); on any other open `ws`-like socket
 * (`readyState` open, a `send` method), as a frame in `options.codec`'s envelope. Never throws
 * for a closed or unknown socket: nothing is sent.
 *
 * @example
 * sendSocketError(client, MESSAGE_ERRORS.forbidden, { codec: eventEnvelope });
 */
export function sendSocketError(
  socket: unknown,
  error: MessageError,
  options: SendSocketErrorOptions = {},
): void {
  const record = recordOf(socket);
  if (record !== undefined) {
    record.sendError?.(error, options.ack);
    return;
  }
  const open = socket as { readyState?: unknown; send?: (data: string) => void } | null;
  if (options.codec === undefined || open?.readyState !== OPEN || typeof open.send !== 'function') return;
  open.send(JSON.stringify(options.codec.encodeError(error)));
}

/**
 * Reports that a message of `socket` (a socket an adapter admitted) was refused with
 * `error.code`, by code that refuses messages outside the adapter's router, such as a framework
 * guard: the audit event `wsgate.message_refused` and the `wsgate.messages.refused` counter, as
 * for the router's own refusals. Call it once per refusal, before answering (the answer itself is
 * {@link sendSocketError}'s). Nothing for any other value.
 *
 * @example
 * reportSocketRefusal(client, MESSAGE_ERRORS.forbidden);
 * throw new WsGateMessageException('FORBIDDEN', 'forbidden');
 */
export function reportSocketRefusal(socket: unknown, error: MessageError): void {
  recordOf(socket)?.refused?.(error.code);
}
