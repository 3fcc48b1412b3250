import { CloseCode, messageError, type MessageError } from '@wsgate/core';

/** How a close decided by @wsgate (revocation, lifetime, limits) ends a Socket.IO connection. */
export interface CloseTranslation {
  /**
   * `true`: a transport close (`socket.conn.close()`), which socket.io-client (and the @wsgate
   * client helper) answers by reconnecting, with a fresh ticket. `false`: a server-side
   * `disconnect` of every socket of the connection, after which socket.io-client does not
   * reconnect by itself.
   */
  readonly reconnect: boolean;
  /** Emitted as `exception` on every socket of the connection before a server-side disconnect. */
  readonly error?: MessageError;
}

const RECONNECT: CloseTranslation = Object.freeze({ reconnect: true });
const DISCONNECT: CloseTranslation = Object.freeze({ reconnect: false });

/** The `exception` code standing for each close code that ends a connection for good. */
const ERROR_CODES: Readonly<Record<number, string>> = {
  [CloseCode.Unauthorized]: 'UNAUTHENTICATED',
  [CloseCode.Forbidden]: 'FORBIDDEN',
  [CloseCode.RateLimited]: 'RATE_LIMITED',
  [CloseCode.UnsupportedData]: 'UNSUPPORTED_DATA',
  [CloseCode.PolicyViolation]: 'POLICY_VIOLATION',
  [CloseCode.MessageTooBig]: 'MESSAGE_TOO_BIG',
};

/** Close codes after which a client should come back (with a fresh ticket). */
const RECONNECTABLE: ReadonlySet<number> = new Set([
  1001, // going away
  CloseCode.ServiceRestart,
  CloseCode.TryAgainLater,
  CloseCode.Reauthenticate,
]);

/**
 * Translates a WebSocket close code (what core's registry, supervisor and limits close with)
 * into Socket.IO terms:
 * - 4000 (lifetime), 1012 (drain), 1013, 1001: a transport close, so that the client reconnects;
 * - 4401, 4403, 4429, 1003, 1008, 1009: `exception` `{ code, message }` (UNAUTHENTICATED,
 *   FORBIDDEN, RATE_LIMITED, UNSUPPORTED_DATA, POLICY_VIOLATION, MESSAGE_TOO_BIG; `message` is
 *   the close reason), then a server-side disconnect;
 * - any other code: a server-side disconnect, without `exception`.
 */
export function translateClose(code: number, reason: string): CloseTranslation {
  if (RECONNECTABLE.has(code)) return RECONNECT;
  const errorCode = ERROR_CODES[code];
  if (errorCode === undefined) return DISCONNECT;
  return {
    reconnect: false,
    error: messageError(errorCode, reason === '' ? errorCode.toLowerCase() : reason),
  };
}

/** The close code an Engine.IO close reason stands for in the audit log, when @wsgate did not close it. */
export function closeCodeOfEngineReason(reason: string): number {
  if (reason === 'parse error') return CloseCode.ProtocolError;
  if (reason === 'ping timeout' || reason === 'transport error') return 1006;
  return 1000;
}
