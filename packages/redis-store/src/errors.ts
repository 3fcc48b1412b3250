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

/**
 * A Redis-backed limit (connection slots, refusal counter) could not reach Redis, or Redis did
 * not answer within `commandTimeoutMs`. Upgrades fail closed: HTTP 503, never a socket past a cap.
 */
export class RedisLimitUnavailableError extends WsGateError {
  constructor(message = 'shared limit unavailable', cause?: unknown) {
    super('WSGATE_LIMIT_UNAVAILABLE', message, { statusCode: 503, closeCode: 1013, cause });
  }
}
