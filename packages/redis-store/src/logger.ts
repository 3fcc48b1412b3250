/**
 * Where the Redis store and the revocation bus report what they cannot return: a record of an
 * unknown version, a lost or restored subscriber connection. Every method is optional and takes
 * one string (never a ticket). `console`, pino, the Fastify logger and winston fit.
 *
 * @example
 * const bus = new RedisRevocationBus({ ..., logger: app.log });
 */
export interface RedisLogger {
  /** Normal but notable events (e.g. `revocation bus resubscribed`). */
  info?(message: string): void;
  /** Degraded operation (e.g. `revocation bus disconnected`, a record of unknown version). */
  warn?(message: string): void;
  /** Faults (e.g. an error reported by the subscriber connection). */
  error?(message: string): void;
}

/** Calls one logger method; a throwing or missing logger never breaks the caller. */
export function logTo(logger: RedisLogger | undefined, level: keyof RedisLogger, message: string): void {
  if (logger === undefined) return;
  try {
    logger[level]?.(message);
  } catch {
    // Logging must never turn into a fault of the store or the bus.
  }
}

/** A short, ticket-free description of an error for a log line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
