// Bounded waits (never timing assertions).
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passed; returns its last value. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
