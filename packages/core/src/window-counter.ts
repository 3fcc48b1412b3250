import type { Clock } from './clock.js';

/** A count in a fixed window. */
export interface WindowCount {
  readonly count: number;
  /** When the window ends, epoch ms. */
  readonly resetAt: number;
}

/**
 * Counts events per key in fixed windows, in memory, with a bound on the number of keys (past
 * it the stalest key is dropped). The one counter behind @wsgate's in-process limits: the
 * handshake brute-force limit and the ticket route's rate limit.
 */
export class WindowCounter {
  // Insertion order doubles as age order: a new window is inserted at the end.
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly clock: Clock,
  ) {}

  /** The current count of `key` (0 when its window is over or it has none). */
  peek(key: string): WindowCount {
    const now = this.clock();
    const window = this.current(key, now);
    return window === undefined
      ? { count: 0, resetAt: now + this.windowMs }
      : { count: window.count, resetAt: window.startedAt + this.windowMs };
  }

  /** Adds one to `key`'s count and returns it. */
  increment(key: string): WindowCount {
    const now = this.clock();
    const window = this.current(key, now);
    if (window !== undefined) {
      window.count += 1;
      return { count: window.count, resetAt: window.startedAt + this.windowMs };
    }
    if (this.windows.size >= this.maxKeys) {
      const stalest = this.windows.keys().next();
      if (stalest.done !== true) this.windows.delete(stalest.value);
    }
    this.windows.set(key, { startedAt: now, count: 1 });
    return { count: 1, resetAt: now + this.windowMs };
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.windows.size;
  }

  private current(key: string, now: number): { startedAt: number; count: number } | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    if (now - window.startedAt >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
