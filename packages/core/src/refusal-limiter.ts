import { systemClock, type Clock } from './clock.js';
import { DEFAULTS } from './defaults.js';
import { WsGateConfigError } from './errors.js';
import { optionsObject, positiveInteger } from './option-checks.js';
import { isThenable } from './thenable.js';
import { WindowCounter } from './window-counter.js';

/**
 * Where refused ticket presentations are counted, per client address, in fixed windows: in this
 * process ({@link createMemoryRefusalCounter}, the default: the limit holds **per instance**),
 * or shared by every instance (`RedisRefusalCounter` from `@wsgate/redis-store`: the limit
 * holds across the cluster). Methods may be sync or async.
 */
export interface RefusalCounter {
  /** Required. Refusals counted for `address` in its current window (0 when it has none). */
  count(address: string): number | Promise<number>;
  /**
   * Required. Counts one refusal for `address`. A new window lasts `windowMs` (the limiter's),
   * for stores that expire their counts themselves.
   */
  increment(address: string, windowMs: number): void | Promise<void>;
  /** Optional. Addresses tracked in this process's memory. */
  readonly size?: number;
}

/** Options of the per-address handshake brute-force limit. */
export interface RefusalLimitOptions {
  /** Refused ticket presentations allowed per address per window. @default 100 */
  maxRefusals?: number;
  /** Window length in ms. @default 60_000 */
  windowMs?: number;
  /** Most addresses the default (memory) counter tracks at once; past it the stalest entries are dropped. @default 100_000 */
  maxAddresses?: number;
  /** Time source of the default counter, for tests. @default Date.now */
  clock?: Clock;
  /**
   * Where refusals are counted: in this process by default (the limit holds per instance), or
   * in a store every instance shares. @default createMemoryRefusalCounter(...)
   */
  counter?: RefusalCounter;
}

/** Counts refused ticket presentations per client address in fixed windows. */
export interface RefusalLimiter {
  /** Whether this address used up its refusals for the current window. */
  isBlocked(address: string | undefined): boolean | Promise<boolean>;
  /** Records one refused presentation from this address. */
  recordRefusal(address: string | undefined): void | Promise<void>;
  /** Number of addresses tracked in this process's memory (0 with a shared counter). */
  readonly size: number;
}

/**
 * The default {@link RefusalCounter}: fixed windows of `windowMs` in this process's memory,
 * at most `maxAddresses` of them (past it the stalest is dropped).
 */
export function createMemoryRefusalCounter(options: {
  readonly windowMs: number;
  readonly maxAddresses: number;
  readonly clock?: Clock;
}): RefusalCounter & { readonly size: number } {
  const counter = new WindowCounter(options.windowMs, options.maxAddresses, options.clock ?? systemClock);
  return {
    count: (address) => counter.peek(address).count,
    increment(address) {
      counter.increment(address);
    },
    get size() {
      return counter.size;
    },
  };
}

/**
 * Creates the handshake brute-force limit: after `maxRefusals` refused ticket presentations
 * from one address within `windowMs`, further upgrades from it are refused with 429 before
 * any store access, until the window ends. Defaults are far above any legitimate burst.
 * Memory is bounded by `maxAddresses`. Synchronous with the default counter.
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
  const counter =
    options.counter ?? createMemoryRefusalCounter({ windowMs, maxAddresses, clock: options.clock });
  if (
    counter === null ||
    typeof counter !== 'object' ||
    typeof counter.count !== 'function' ||
    typeof counter.increment !== 'function'
  )
    throw new WsGateConfigError('bruteForce.counter must be a RefusalCounter (count, increment)');
  return {
    isBlocked(address) {
      if (address === undefined) return false;
      const count = counter.count(address);
      return isThenable(count)
        ? Promise.resolve(count).then((value) => value >= maxRefusals)
        : count >= maxRefusals;
    },
    recordRefusal(address) {
      if (address !== undefined) return counter.increment(address, windowMs);
    },
    get size() {
      return counter.size ?? 0;
    },
  };
}
