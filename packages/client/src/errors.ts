/**
 * Stable codes of {@link WsGateClientError}. Match on these, never on messages.
 *
 * - `WSGATE_CLIENT_INVALID_OPTION` — `connect()` was given an invalid option (thrown). Also
 *   emitted, with the frame dropped, when a schema shows only on a frame that it is unusable:
 *   it validated asynchronously, or returned a value whose `type` is not its key.
 * - `WSGATE_CLIENT_TICKET_REQUEST_FAILED` — the ticket endpoint could not be reached, or answered
 *   with a status other than 2xx, 401 and 403 (emitted; the client retries).
 * - `WSGATE_CLIENT_TICKET_RESPONSE_INVALID` — the ticket endpoint answered 2xx without a usable
 *   `{"ticket": "..."}` body (emitted; the client retries).
 * - `WSGATE_CLIENT_CONNECTION_FAILED` — the WebSocket constructor threw (emitted; the client retries).
 * - `WSGATE_CLIENT_MALFORMED_FRAME` — an inbound frame was not a JSON object with a string
 *   `type` (emitted; the frame is dropped, the connection stays open).
 * - `WSGATE_CLIENT_FRAME_INVALID` — an inbound frame failed the schema of its `type`, or that
 *   schema threw (emitted; the frame is dropped, the connection stays open).
 * - `WSGATE_CLIENT_FRAME_TYPE_UNKNOWN` — `schemas` were given and an inbound frame's `type` has
 *   none (emitted; the frame is dropped, the connection stays open).
 * - `WSGATE_CLIENT_HANDLER_FAILED` — one of your handlers threw; the thrown value is the
 *   `cause` (emitted; the other handlers still run).
 * - `WSGATE_CLIENT_QUEUE_FULL` — `send()` while not open and the send queue is full (thrown).
 * - `WSGATE_CLIENT_CLOSED` — `send()` after the client has stopped (thrown).
 * - `WSGATE_CLIENT_SERIALIZATION_FAILED` — `send()` was given a value `JSON.stringify` rejects (thrown).
 */
export type WsGateClientErrorCode =
  | 'WSGATE_CLIENT_INVALID_OPTION'
  | 'WSGATE_CLIENT_TICKET_REQUEST_FAILED'
  | 'WSGATE_CLIENT_TICKET_RESPONSE_INVALID'
  | 'WSGATE_CLIENT_CONNECTION_FAILED'
  | 'WSGATE_CLIENT_MALFORMED_FRAME'
  | 'WSGATE_CLIENT_FRAME_INVALID'
  | 'WSGATE_CLIENT_FRAME_TYPE_UNKNOWN'
  | 'WSGATE_CLIENT_HANDLER_FAILED'
  | 'WSGATE_CLIENT_QUEUE_FULL'
  | 'WSGATE_CLIENT_CLOSED'
  | 'WSGATE_CLIENT_SERIALIZATION_FAILED';

/**
 * The one error type of `@wsgate/client`, thrown by `connect()` and `send()` and emitted as
 * `'error'` events. Its message, `cause` and properties never contain a ticket.
 */
export class WsGateClientError extends Error {
  /** Stable, machine-readable code (`WSGATE_CLIENT_*`). */
  readonly code: WsGateClientErrorCode;
  /** HTTP status of the ticket endpoint's answer, when that is what failed. */
  readonly statusCode: number | undefined;

  /**
   * @param code - stable error code.
   * @param message - human-readable description; must never contain a ticket.
   * @param options - the HTTP `statusCode` involved, and the underlying `cause`.
   */
  constructor(
    code: WsGateClientErrorCode,
    message: string,
    options: { statusCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WsGateClientError';
    this.code = code;
    this.statusCode = options.statusCode;
  }
}
