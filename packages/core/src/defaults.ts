/**
 * Every default value of @wsgate, defined once. Option resolvers (core's and the adapters')
 * read their defaults from here, so that a limit, a name or a reason has one value everywhere.
 */
export const DEFAULTS = Object.freeze({
  /** Query parameter carrying the ticket. */
  queryParam: 'ticket',
  /** Ticket lifetime, ms. */
  ticketTtlMs: 30_000,
  /** Largest accepted message, bytes (also the socket's `maxPayload`). */
  maxMessageBytes: 16_384,
  /** Per-connection message rate: token bucket. */
  messageRateLimit: Object.freeze({ burst: 40, perSecond: 20 }),
  /** Deepest accepted nesting of a JSON message. */
  maxJsonDepth: 32,
  /** Most validation issues listed in one error. */
  maxIssues: 10,
  /** Longest time an upgrade request may take to become a WebSocket, ms. */
  upgradeTimeoutMs: 10_000,
  /** Per-address limit on refused ticket presentations. */
  bruteForce: Object.freeze({ maxRefusals: 100, windowMs: 60_000, maxAddresses: 100_000 }),
  /** Caps on open connections. */
  connections: Object.freeze({ maxPerSubject: 10, maxPerAddress: 100, reservationTimeoutMs: 10_000 }),
  /** Supervision of open connections. */
  supervision: Object.freeze({
    heartbeatIntervalMs: 30_000,
    maxLifetimeMs: 0,
    sessionCheckIntervalMs: 60_000,
    maxBufferedBytes: 1_048_576,
  }),
  /** The ready-made ticket route. */
  ticketRoute: Object.freeze({ path: '/ws-ticket', perSessionMax: 30, perAddressMax: 300, windowMs: 60_000 }),
  /** Close reasons of revocations. */
  revocationReasons: Object.freeze({ session: 'session revoked', subject: 'subject revoked' }),
  /** The in-memory ticket store. */
  memoryStore: Object.freeze({ maxEntries: 100_000, maxPerSubject: 16, sweepIntervalMs: 30_000 }),
  /** Limits of a `ws` server beyond `maxPayload` (ws ≥ 8.23). */
  wsServer: Object.freeze({ maxFragments: 128, maxBufferedChunks: 1_024, maxPendingAutoPongs: 60 }),
  /** Graceful drain: serving period before the 1012 closes, and the longest wait after them, ms. */
  drain: Object.freeze({ delayMs: 0, timeoutMs: 5_000 }),
  /** How long a close waits for the replies of messages already being handled, ms. */
  closeFlushMs: 1_000,
});
