import type { Clock } from './clock.js';

/** Token-bucket rate: `burst` tokens at most, refilled at `perSecond`. */
export interface RateLimit {
  /** Bucket size: messages accepted back to back. */
  readonly burst: number;
  /** Sustained rate, tokens per second. */
  readonly perSecond: number;
}

/** A token bucket on an injectable clock. One per connection. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: RateLimit,
    private readonly clock: Clock,
  ) {
    this.tokens = rate.burst;
    this.updatedAt = clock();
  }

  /** Takes one token; `false` when the bucket is empty. */
  tryTake(): boolean {
    const now = this.clock();
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.rate.burst, this.tokens + (elapsed * this.rate.perSecond) / 1000);
      this.updatedAt = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
