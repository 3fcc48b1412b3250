import { systemClock, type Clock } from './clock.js';
import { WsGateConfigError } from './errors.js';

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

interface Window {
  startedAt: number;
  refusals: number;
}

/**
 * Creates the handshake brute-force limit: after `maxRefusals` refused ticket presentations
 * from one address within `windowMs`, further upgrades from it are refused with 429 before
 * any store access, until the window ends. Defaults are far above any legitimate burst.
 * Memory is bounded by `maxAddresses`.
 */
export function createRefusalLimiter(options: RefusalLimitOptions = {}): RefusalLimiter {
  const maxRefusals = options.maxRefusals ?? 100;
  const windowMs = options.windowMs ?? 60_000;
  const maxAddresses = options.maxAddresses ?? 100_000;
  const clock = options.clock ?? systemClock;
  for (const [name, value] of [
    ['maxRefusals', maxRefusals],
    ['windowMs', windowMs],
    ['maxAddresses', maxAddresses],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new WsGateConfigError(`bruteForce.${name} must be a positive integer`);
  }
  // Insertion order doubles as age order: a refreshed window is re-inserted at the end.
  const windows = new Map<string, Window>();

  const current = (address: string, now: number): Window | undefined => {
    const window = windows.get(address);
    if (window === undefined) return undefined;
    if (now - window.startedAt >= windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  };

  return {
    isBlocked(address) {
      if (address === undefined) return false;
      const window = current(address, clock());
      return window !== undefined && window.refusals >= maxRefusals;
    },
    recordRefusal(address) {
      if (address === undefined) return;
      const now = clock();
      const window = current(address, now);
      if (window !== undefined) {
        window.refusals += 1;
        return;
      }
      if (windows.size >= maxAddresses) {
        const stalest = windows.keys().next();
        if (stalest.done !== true) windows.delete(stalest.value);
      }
      windows.set(address, { startedAt: now, refusals: 1 });
    },
    get size() {
      return windows.size;
    },
  };
}
