// Which samples a suite runs against, and the running process of one sample, which a test may
// crash and start again on the same port; every process it ever ran is checked at the end.
import { stopAndCheck } from './log-scan.js';
import { SampleProcess, type SecretKind, type StartOptions } from './sample-process.js';

/** Samples to test, from `E2E_SAMPLES` (comma list; default `fastify-sample`). */
export const SAMPLES: readonly string[] = (process.env.E2E_SAMPLES ?? 'fastify-sample')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

/** The process of one sample, across crashes and restarts. */
export class SampleSlot {
  private process: SampleProcess | undefined;
  private readonly retired: SampleProcess[] = [];

  constructor(
    readonly sample: string,
    private readonly options: StartOptions = {},
  ) {}

  /** The process running now. */
  get current(): SampleProcess {
    if (this.process === undefined) throw new Error(`${this.sample} is not running (did beforeAll fail?)`);
    return this.process;
  }

  /** Every process of this slot, the running one last. */
  get processes(): readonly SampleProcess[] {
    return [...this.retired, ...(this.process === undefined ? [] : [this.process])];
  }

  /** A value that must never appear in any log line of this slot's processes (e.g. a ticket a browser saw). */
  remember(secret: string, kind: SecretKind = 'ticket'): void {
    for (const process of this.processes) process.remember(secret, kind);
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

  /** Starts the sample again on the same port with the same options (after `crash()`). */
  async restart(): Promise<SampleProcess> {
    const previous = this.current;
    if (previous.exit === undefined) await previous.stop();
    this.retired.push(previous);
    this.process = undefined;
    const next = await previous.restart();
    for (const [secret, kind] of previous.secrets) next.remember(secret, kind);
    this.process = next;
    return next;
  }

  /** Stops everything, then asserts no process crashed and every log is clean. */
  async stopAndCheck(): Promise<void> {
    const all = this.processes;
    this.process = undefined;
    await stopAndCheck(all);
  }
}
