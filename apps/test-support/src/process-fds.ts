// Open file descriptors of a local process (Linux `/proc/<pid>/fd`): what a server holds for
// each connection it has not let go of.
import { readdirSync } from 'node:fs';
import { waitFor } from './wait.js';

/** How many descriptors process `pid` has open right now. */
export function descriptorCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Polls until process `pid` holds at most `limit` descriptors or `timeoutMs` passed; returns
 * the last count (a bounded wait: the server closes connections asynchronously).
 */
export async function settleDescriptors(pid: number, limit: number, timeoutMs: number): Promise<number> {
  let count = descriptorCount(pid);
  await waitFor(() => {
    count = descriptorCount(pid);
    return count <= limit;
  }, timeoutMs);
  return count;
}
