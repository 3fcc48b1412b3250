import { systemClock, type Clock } from './clock.js';
import { WindowCounter } from './window-counter.js';

/** Whether one more request may go through now. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** When it makes sense to try again, ms from now (0 when allowed). */
  readonly retryAfterMs: number;
}

/**
 * A rate limit keyed by an opaque string: one `consume` per request. Pluggable so that an app
 * can count in its framework's store (`@fastify/rate-limit`, `@nestjs/throttler`'s storage) or
 * across instances. May be async; a rejection is answered 503.
 */
export interface RequestRateLimiter {
  consume(key: string): RateLimitDecision | Promise<RateLimitDecision>;
}

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Requests allowed per key and window. */
  readonly max: number;
  /** Window length, ms. */
  readonly windowMs: number;
  /** Most keys tracked at once (the stalest is dropped past it). @default 100_000 */
  readonly maxKeys?: number;
  /** Time source, for tests. @default Date.now */
  readonly clock?: Clock;
}

/** An in-process {@link RequestRateLimiter}: fixed windows per key, bounded memory. */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RequestRateLimiter {
  const counter = new WindowCounter(
    options.windowMs,
    options.maxKeys ?? 100_000,
    options.clock ?? systemClock,
  );
  const clock = options.clock ?? systemClock;
  return Object.freeze({
    consume(key: string): RateLimitDecision {
      const { count, resetAt } = counter.increment(key);
      return count <= options.max
        ? { allowed: true, retryAfterMs: 0 }
        : { allowed: false, retryAfterMs: Math.max(0, resetAt - clock()) };
    },
  });
}
