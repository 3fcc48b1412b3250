/**
 * Every error @wsgate throws is a {@link WsGateError}: a stable, machine-readable `code`
 * (`WSGATE_*`), and where it applies the HTTP `statusCode` of a refused handshake or request
 * and the WebSocket `closeCode` of a refused connection.
 *
 * Expected refusals (a bad ticket, a foreign Origin, an invalid message) are never thrown:
 * they are returned as discriminated results. Errors are for misconfiguration and faults.
 */
export class WsGateError extends Error {
  /** Stable error code, safe to match on (`WSGATE_*`). */
  readonly code: string;
  /** HTTP status to answer with when this error refuses a request, if any. */
  readonly statusCode: number | undefined;
  /** WebSocket close code to close with when this error ends a connection, if any. */
  readonly closeCode: number | undefined;

  constructor(
    code: string,
    message: string,
    options: { statusCode?: number; closeCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options.statusCode;
    this.closeCode = options.closeCode;
  }
}

/** An option given to a `create*` factory is invalid. Thrown once, at start-up. */
export class WsGateConfigError extends WsGateError {
  constructor(message: string) {
    super('WSGATE_INVALID_OPTION', message);
  }
}

/** The memory ticket store is full: issuing fails closed instead of evicting other users' tickets. */
export class TicketStoreFullError extends WsGateError {
  constructor(maxEntries: number) {
    super('WSGATE_TICKET_STORE_FULL', `ticket store is full (${maxEntries} outstanding tickets)`, {
      statusCode: 503,
      closeCode: 1013,
    });
  }
}

/** A ticket store was asked to `put` a key it already holds (a store never overwrites). */
export class TicketKeyExistsError extends WsGateError {
  constructor() {
    super('WSGATE_TICKET_KEY_EXISTS', 'ticket key already exists in the store', { statusCode: 500 });
  }
}

/**
 * A ticket store could not be reached or did not answer in time (e.g. Redis down).
 * Issuing and redeeming fail closed: HTTP 503, never an unauthenticated socket.
 */
export class TicketStoreUnavailableError extends WsGateError {
  constructor(message = 'ticket store unavailable', cause?: unknown) {
    super('WSGATE_STORE_UNAVAILABLE', message, { statusCode: 503, closeCode: 1013, cause });
  }
}

/** A ticket store was used after `close()`. */
export class TicketStoreClosedError extends WsGateError {
  constructor() {
    super('WSGATE_STORE_CLOSED', 'ticket store is closed', { statusCode: 503, closeCode: 1013 });
  }
}
