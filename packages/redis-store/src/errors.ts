import { WsGateError } from '@wsgate/core';

/**
 * The revocation bus could not publish a revocation (Redis down, or no answer within
 * `commandTimeoutMs`). The revocation was still applied to this instance's own registry; other
 * instances did not hear of it. Retry, or fail the logout request with HTTP 503.
 */
export class RevocationBusUnavailableError extends WsGateError {
  constructor(message = 'revocation bus unavailable', cause?: unknown) {
    super('WSGATE_REVOCATION_BUS_UNAVAILABLE', message, { statusCode: 503, cause });
  }
}

/** The revocation bus was used after `close()`. */
export class RevocationBusClosedError extends WsGateError {
  constructor() {
    super('WSGATE_REVOCATION_BUS_CLOSED', 'revocation bus is closed', { statusCode: 503 });
  }
}
