import { CloseCode } from './close-codes.js';
import type { ClosableConnection, ConnectionRegistry } from './connection-registry.js';
import { DEFAULTS } from './defaults.js';
import { nonNegativeInteger, optionsObject, positiveInteger } from './option-checks.js';

/** How a gate drains (`gate.drain()`, called by the adapters when the app shuts down). */
export interface DrainOptions {
  /**
   * How long open connections keep being served once a drain starts (new upgrades are refused
   * with 503 from the start), before they are closed with 1012. @default 0
   */
  delayMs?: number;
  /**
   * Longest wait, after the 1012 closes, for the connections to finish closing; past it the
   * rest are dropped. A drain takes at most `delayMs + timeoutMs`. @default 5_000
   */
  timeoutMs?: number;
}

/** What a drain did. */
export interface DrainResult {
  /** Connections closed with 1012. */
  readonly closed: number;
  /** Connections dropped at the deadline (their peer never finished the close). */
  readonly terminated: number;
}

/** Where a gate is in its drain. */
export type DrainPhase = 'serving' | 'draining' | 'closing';

/** The drain of one gate. */
export interface Drainer {
  /** `serving`, `draining` (upgrades refused, sockets served), `closing` (sockets closed with 1012). */
  readonly phase: DrainPhase;
  /** Starts the drain (once) and resolves when it is over. */
  drain(): Promise<DrainResult>;
}

/** Close reason of a drained connection. */
export const DRAIN_CLOSE_REASON = 'service restart';

/** Reads, defaults and validates the `drain` option. */
export function resolveDrainOptions(input: DrainOptions | undefined): Required<DrainOptions> {
  const options = optionsObject('drain', input);
  return Object.freeze({
    delayMs: nonNegativeInteger('drain.delayMs', options.delayMs, DEFAULTS.drain.delayMs),
    timeoutMs: positiveInteger('drain.timeoutMs', options.timeoutMs, DEFAULTS.drain.timeoutMs),
  });
}

/** Resolves after `ms`, or as soon as `early` does; never keeps a timer behind. */
function delay(ms: number, early: Promise<void>): Promise<void> {
  if (ms === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void early.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Creates the drain of a gate over its registry: refuse new upgrades (the gate reads `phase`),
 * serve the open connections for `delayMs`, close them with 1012 (service restart: clients
 * reconnect, with a fresh ticket, to another instance), wait up to `timeoutMs` for them to be
 * gone, then drop the rest. Finishes early once no connection is left.
 */
export function createDrainer(
  options: Required<DrainOptions>,
  registry: ConnectionRegistry<ClosableConnection>,
): Drainer {
  let phase: DrainPhase = 'serving';
  let draining: Promise<DrainResult> | undefined;

  async function run(): Promise<DrainResult> {
    await delay(options.delayMs, registry.whenEmpty());
    phase = 'closing';
    const closed = registry.closeAll(CloseCode.ServiceRestart, DRAIN_CLOSE_REASON);
    await delay(options.timeoutMs, registry.whenEmpty());
    const terminated = registry.size === 0 ? 0 : registry.terminateAll();
    return Object.freeze({ closed, terminated });
  }

  return {
    get phase() {
      return phase;
    },
    drain() {
      if (draining === undefined) {
        phase = 'draining';
        draining = run();
      }
      return draining;
    },
  };
}
