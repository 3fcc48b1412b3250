/** The parameters of the reconnect delay, as resolved by `connect()`. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** Uniform random number in [0, 1). */
  readonly random: () => number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential backoff with full
 * jitter, a uniformly random whole number of milliseconds in
 * `[0, min(maxDelayMs, initialDelayMs * factor ** attempt))`.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  return jitterDelay(
    Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** attempt),
    policy.random,
  );
}

/**
 * Full jitter under `ceiling`: a uniformly random whole number of milliseconds in
 * `[0, ceiling)` (0 when `ceiling` is 0), whatever `random` returns.
 */
export function jitterDelay(ceiling: number, random: () => number): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), Math.max(Math.ceil(ceiling) - 1, 0));
}
