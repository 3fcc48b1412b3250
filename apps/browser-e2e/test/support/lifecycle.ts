// Vitest wiring: which samples to run against, and the sample process of a describe block
// (started in beforeAll; stopped in afterAll, then checked: no crash, no secret in its logs).
import { afterAll, beforeAll, expect } from 'vitest';
import { SampleProcess, type StartOptions } from './sample-process.js';

/** Samples to test, from `E2E_SAMPLES` (comma list; default `fastify-sample`), like apps/e2e. */
/**
 * Samples whose server-log assertions this suite can read: the hijacking and reconnect files
 * join the Fastify sample's pino request log (`reqId`, `req`, `res`) with the page's view.
 */
export const LOG_ASSERTING_SAMPLES: readonly string[] = ['fastify-sample'];

export const SAMPLES: readonly string[] = (process.env.E2E_SAMPLES ?? 'fastify-sample')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

/**
 * The running process of one sample. A test may crash it and start it again on the same port
 * (`crash()`, `restart()`); every process it ever ran is checked in afterAll.
 */
export class SampleSlot {
  private process: SampleProcess | undefined;
  private readonly retired: SampleProcess[] = [];

  constructor(
    readonly sample: string,
    private readonly options: StartOptions,
  ) {}

  /** The process running now. */
  get current(): SampleProcess {
    if (this.process === undefined) throw new Error(`${this.sample} is not running (did beforeAll fail?)`);
    return this.process;
  }

  /** Values that must never appear in any log line of this slot's processes (tickets seen by the browser). */
  remember(secret: string): void {
    for (const process of [...this.retired, ...(this.process ? [this.process] : [])])
      process.secrets.add(secret);
  }

  async start(): Promise<void> {
    this.process = await SampleProcess.start(this.sample, this.options);
  }

  /** Kills the current process with SIGKILL: its sockets drop with no close frame, its sessions are gone. */
  async crash(): Promise<SampleProcess> {
    const killed = this.current;
    await killed.kill();
    return killed;
  }

  /** Starts the sample again on the same port with the same environment (after `crash()`). */
  async restart(): Promise<SampleProcess> {
    const previous = this.current;
    if (previous.exit === undefined) await previous.stop();
    this.retired.push(previous);
    this.process = undefined;
    const next = await previous.restart();
    for (const secret of previous.secrets) next.secrets.add(secret);
    this.process = next;
    return next;
  }

  /** Stops everything, then asserts no process crashed and no log line holds a secret. */
  async stopAndCheck(): Promise<void> {
    const all = [...this.retired, ...(this.process ? [this.process] : [])];
    this.process = undefined;
    const crashed = all.map((process) => process.crashed);
    await Promise.all(all.map((process) => process.stop()));
    all.forEach((process, index) => {
      expect(
        crashed[index],
        `${process.name} exited on its own (${JSON.stringify(process.exit)}):\n${process.logTail()}`,
      ).toBe(false);
      expect(process.secretLeaks(), `tickets or passwords in the logs of ${process.name}`).toEqual([]);
    });
  }
}

/** Starts `sample` before the tests of the enclosing describe block and stops (and checks) it afterwards. */
export function useSample(sample: string, options: StartOptions = {}): SampleSlot {
  const slot = new SampleSlot(sample, options);
  beforeAll(() => slot.start());
  afterAll(() => slot.stopAndCheck());
  return slot;
}
