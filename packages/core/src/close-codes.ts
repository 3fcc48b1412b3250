/**
 * WebSocket close codes used by @wsgate. 1xxx codes are RFC 6455; 4xxx codes are
 * application codes modelled on the HTTP status they stand for.
 */
export const CloseCode = {
  /** The peer broke the protocol (e.g. a malformed handshake, in close-frame refusal mode). */
  ProtocolError: 1002,
  /** The peer sent data of a type the server does not accept (e.g. a binary frame). */
  UnsupportedData: 1003,
  /** Generic policy violation (e.g. a slow reader overran the send buffer). */
  PolicyViolation: 1008,
  /** A frame was larger than the configured maximum. */
  MessageTooBig: 1009,
  /** The server is restarting or draining: reconnect (to another instance) with a fresh ticket. */
  ServiceRestart: 1012,
  /** The server is temporarily unable to serve (e.g. the ticket store is down). */
  TryAgainLater: 1013,
  /**
   * Re-authenticate: the connection reached its maximum lifetime. Not an error: the client
   * reconnects at once with a fresh ticket (which is checked again).
   */
  Reauthenticate: 4000,
  /** Not authenticated, or the session/subject was revoked (logout). Terminal for the client. */
  Unauthorized: 4401,
  /** Authenticated but not allowed (e.g. a foreign Origin in close-frame refusal mode). */
  Forbidden: 4403,
  /** The connection exceeded its message rate limit. */
  RateLimited: 4429,
} as const;

/** One of the {@link CloseCode} values. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
