import { systemClock, type Clock } from './clock.js';
import { DEFAULTS } from './defaults.js';
import { optionsObject, positiveInteger } from './option-checks.js';
import { WindowCounter } from './window-counter.js';

/** Options of the per-address handshake brute-force limit. */
export interface RefusalLimitOptions {
  /** Refused ticket presentations allowed per address per window. @default 100 */
  maxRefusals?: number;
  /** Window length in ms. @default 60_000 */
  windowMs?: number;
  /** Most addresses tracked at once; past it the stalest entries are dropped. @default 100_000 */
  maxAddresses?: number;
  /** Time source, for tests. @default Date.now */
  clock?: Clock;
}

/** Counts refused ticket presentations per client address in fixed windows. */
export interface RefusalLimiter {
  /** Whether this address used up its refusals for the current window. */
  isBlocked(address: string | undefined): boolean;
  /** Records one refused presentation from this address. */
  recordRefusal(address: string | undefined): void;
  /** Number of addresses currently tracked. */
  readonly size: number;
}

/**
 * Creates the handshake brute-force limit: after `maxRefusals` refused ticket presentations
 * from one address within `windowMs`, further upgrades from it are refused with 429 before
 * any store access, until the window ends. Defaults are far above any legitimate burst.
 * Memory is bounded by `maxAddresses`.
 */
export function createRefusalLimiter(input?: RefusalLimitOptions): RefusalLimiter {
  const options = optionsObject('bruteForce', input);
  const defaults = DEFAULTS.bruteForce;
  const maxRefusals = positiveInteger('bruteForce.maxRefusals', options.maxRefusals, defaults.maxRefusals);
  const windowMs = positiveInteger('bruteForce.windowMs', options.windowMs, defaults.windowMs);
  const maxAddresses = positiveInteger(
    'bruteForce.maxAddresses',
    options.maxAddresses,
    defaults.maxAddresses,
  );
  const clock = options.clock ?? systemClock;
  const counter = new WindowCounter(windowMs, maxAddresses, clock);
  return {
    isBlocked: (address) => address !== undefined && counter.peek(address).count >= maxRefusals,
    recordRefusal(address) {
      if (address !== undefined) counter.increment(address);
    },
    get size() {
      return counter.size;
    },
  };
}
