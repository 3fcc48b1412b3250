// Where the bench's processes run: the server on one CPU, the load generator (and redis-server)
// on another.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** The CPU of each role, when the machine has two or more (else nothing is pinned). */
export const PINNED_CPUS = availableParallelism() >= 2 ? { loadGenerator: 0, server: 1 } : undefined;

/**
 * Pins every thread of process `pid` (its V8 and libuv helpers too) to `cpu` with `taskset`
 * (Linux util-linux). Left to the scheduler, a server and its load generator sometimes share a CPU
 * and sometimes not, and which one a process got stays with it for the whole run: measured at one
 * client loop, a bare @fastify/websocket server cost 101–158 µs per handshake from one process to
 * the next, 114–125 µs pinned. Returns whether the process is pinned.
 */
export function pinToCpu(pid, cpu) {
  if (pid === undefined || cpu === undefined) return false;
  try {
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(pid)], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}
