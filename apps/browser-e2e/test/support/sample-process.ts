// Starts a sample app (`node apps/<sample>/dist/main.js`) as a real child process on a loopback
// port (a free one, or a given one to restart "the same server"), waits for `GET /healthz`,
// captures every stdout/stderr line, and stops or kills it. Same approach as apps/e2e.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isRecord, tryParseJson, type JsonObject } from './json.js';
import { DEMO_USERS } from './users.js';

/** Absolute path of the monorepo root (this file is apps/browser-e2e/test/support/sample-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** Environment variables passed through from the test runner; everything else is dropped. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface StartOptions {
  /** Extra environment for the child, e.g. `{ WS_REFUSAL: 'close-frame' }`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Listen on this port instead of a free one (to restart a server where the page expects it). */
  readonly port?: number;
}

/** Finds a free TCP port on 127.0.0.1 by listening on port 0 and closing again. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new TypeError('could not read the port of a probe server'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `GET /healthz` over a fresh connection: the status, or the error message. */
function health(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('GET /healthz timed out')));
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}

export function sampleMainPath(sample: string): string {
  return join(REPO_ROOT, 'apps', sample, 'dist', 'main.js');
}

export class SampleProcess {
  readonly lines: LogLine[] = [];
  /** `http://127.0.0.1:PORT`: where the browser loads the demo page (and its default allowed Origin). */
  readonly origin: string;
  /** Values that must never appear in the logs (passwords, every ticket the browser received). */
  readonly secrets = new Set<string>(Object.values(DEMO_USERS).map((user) => user.password));
  /** Exit code / signal once the child has exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;
  private readonly closed: Promise<void>;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly env: Readonly<Record<string, string>>,
    private readonly child: ChildProcess,
  ) {
    this.origin = `http://127.0.0.1:${port}`;
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream];
      if (input === null) continue;
      createInterface({ input, crlfDelay: Infinity }).on('line', (text) => this.lines.push({ stream, text }));
    }
    this.closed = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
    process.once('exit', this.killOnExit);
  }

  /** `http://localhost:PORT`: the sample's second default allowed Origin. */
  get altOrigin(): string {
    return `http://localhost:${this.port}`;
  }

  /** Whether the child exited although nobody asked it to (e.g. it crashed). */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  static async start(sample: string, options: StartOptions = {}): Promise<SampleProcess> {
    if (!/^[a-z0-9-]+$/.test(sample)) throw new TypeError(`invalid sample name ${JSON.stringify(sample)}`);
    const main = sampleMainPath(sample);
    // Fail, never skip: a browser suite that silently tests nothing is worse than a red one.
    if (!existsSync(main))
      throw new Error(`${main} does not exist: build the sample first (npx nx run ${sample}:build)`);
    const port = options.port ?? (await freePort());
    const env: Record<string, string> = {};
    for (const key of INHERITED_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    const childEnv = { ...options.env, PORT: String(port), HOST: '127.0.0.1' };
    const child = spawn(process.execPath, [main], {
      cwd: REPO_ROOT,
      env: { ...env, ...childEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sampleProcess = new SampleProcess(sample, port, options.env ?? {}, child);
    try {
      await sampleProcess.waitUntilReady();
    } catch (error) {
      await sampleProcess.stop();
      throw error;
    }
    return sampleProcess;
  }

  /** A new process of the same sample on the same port with the same environment (this one must be gone). */
  restart(): Promise<SampleProcess> {
    return SampleProcess.start(this.name, { env: this.env, port: this.port });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastProblem: number | string = 'no attempt yet';
    while (Date.now() < deadline) {
      if (this.exit !== undefined) {
        throw new Error(
          `${this.name} exited during start-up (code ${String(this.exit.code)}, signal ${String(this.exit.signal)}):\n${this.logTail()}`,
        );
      }
      lastProblem = await health(this.port);
      if (lastProblem === 200) return;
      await sleep(50);
    }
    throw new Error(
      `${this.name} not ready after ${READY_TIMEOUT_MS} ms (${String(lastProblem)}):\n${this.logTail()}`,
    );
  }

  /** Stops the child (SIGTERM, then SIGKILL after 5 s) and waits until its output is drained. */
  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
  }

  /** Kills the child at once (SIGKILL, like a crash): its sockets drop without a close frame. */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    this.stopping = this.stopping || this.exit === undefined;
    if (this.exit === undefined) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.closed;
      clearTimeout(timer);
    }
    process.removeListener('exit', this.killOnExit);
  }

  /** Every stdout line that is a JSON object (the sample logs one per line). */
  logObjects(): JsonObject[] {
    return this.lines
      .filter((line) => line.stream === 'stdout')
      .map((line) => tryParseJson(line.text))
      .filter(isRecord);
  }

  /** Log objects whose `event` is `event` (e.g. `wsgate.upgrade_accepted`). */
  events(event: string): JsonObject[] {
    return this.logObjects().filter((line) => line['event'] === event);
  }

  /** Waits until at least `count` log objects with this `event` were read; returns them all. */
  async waitForEvents(event: string, count: number, timeoutMs = 5_000): Promise<JsonObject[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events(event);
      if (found.length >= count) return found;
      if (Date.now() > deadline)
        throw new Error(
          `${found.length} ${event} log lines after ${timeoutMs} ms, expected ${count}:\n${this.logTail()}`,
        );
      await sleep(20);
    }
  }

  /** Status codes of the completed requests for `METHOD url` (joined on Fastify's `reqId`). */
  responseStatuses(method: string, url: string): number[] {
    const objects = this.logObjects();
    const ids = new Set(
      objects
        .filter(
          (line) => isRecord(line['req']) && line['req']['method'] === method && line['req']['url'] === url,
        )
        .map((line) => line['reqId']),
    );
    return objects
      .filter(
        (line) =>
          ids.has(line['reqId']) && isRecord(line['res']) && typeof line['res']['statusCode'] === 'number',
      )
      .map((line) => (line['res'] as { statusCode: number }).statusCode);
  }

  /**
   * Waits until the log is quiet (no new line for 100 ms) and every HTTP request logged so far,
   * WebSocket upgrades aside, has its "request completed" line. The logger writes
   * asynchronously: a browser may see a response before the server's lines about it arrive.
   */
  async quiesce(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.lines.length;
      await sleep(100);
      const objects = this.logObjects();
      const completed = new Set(objects.filter((line) => isRecord(line['res'])).map((line) => line['reqId']));
      const open = objects.filter(
        (line) =>
          isRecord(line['req']) &&
          line['req']['url'] !== '/ws' &&
          !String(line['req']['url']).startsWith('/ws?') &&
          !completed.has(line['reqId']),
      );
      if (open.length === 0 && this.lines.length === seen) return;
      if (Date.now() > deadline)
        throw new Error(`log not quiet after ${timeoutMs} ms; open requests: ${JSON.stringify(open)}`);
    }
  }

  /** Log lines that contain a remembered secret (a ticket or a password): must stay empty. */
  secretLeaks(): string[] {
    return this.lines
      .filter((line) => [...this.secrets].some((secret) => line.text.includes(secret)))
      .map((line) => `[${line.stream}] ${line.text.slice(0, 200)}`);
  }

  logTail(count = 40): string {
    return this.lines
      .slice(-count)
      .map((line) => `[${line.stream}] ${line.text}`)
      .join('\n');
  }
}
