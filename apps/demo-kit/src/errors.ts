// The demo kit's errors, in @wsgate's error tree: a stable `code`, and the HTTP status they answer.
import { WsGateError } from '@wsgate/core';

/** An environment variable has a value the demo cannot use. Thrown once, at start-up. */
export class DemoConfigError extends WsGateError {
  constructor(message: string) {
    super('DEMO_INVALID_ENV', message);
  }
}

/**
 * The session store cannot be reached or did not answer in time (Redis down or stalled):
 * the request is answered 503 `{"error":"SERVICE_UNAVAILABLE"}`, never a crash or a hang.
 */
export class SessionStoreUnavailableError extends WsGateError {
  constructor(cause: unknown) {
    super('DEMO_SESSION_STORE_UNAVAILABLE', 'session store unavailable', { statusCode: 503, cause });
  }
}
