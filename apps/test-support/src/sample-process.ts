// Starts a sample app (`node apps/<sample>/dist/main.js`) as a real child process on a loopback
// port (a free one, or a given one to restart "the same server"), waits for `GET /healthz`,
// captures every stdout/stderr line, and stops or kills it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEMO_USERS } from './demo-users.js';
import { request } from './http-request.js';
import { isRecord, tryParseJson, type JsonObject } from './json.js';
import type { SecretKind, Target } from './target.js';
import { sleep } from './wait.js';

export type { SecretKind, Target } from './target.js';

/** Absolute path of the monorepo root (this file is apps/test-support/src/sample-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The self-signed test certificate (IP:127.0.0.1, DNS:localhost) in fixtures/tls. */
export const TEST_TLS = {
  certFile: fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url)),
  keyFile: fileURLToPath(new URL('../fixtures/tls/key.pem', import.meta.url)),
} as const;

/**
 * Login limits for the suites, which log in hundreds of times from 127.0.0.1 within a minute
 * (docs/demo-protocol.md, "Environment"). Tests of the limits start their sample with
 * `loginLimits: 'protocol-defaults'`.
 */
export const RELAXED_LOGIN_LIMITS: Readonly<Record<string, string>> = Object.freeze({
  LOGIN_LIMIT_PER_ADDRESS: '1000000',
  LOGIN_LIMIT_PER_ACCOUNT: '1000000',
  TICKET_LIMIT_PER_ADDRESS: '1000000',
});

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** Environment variables passed through from the test runner; everything else is dropped. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface StartOptions {
  /** Extra environment for the child, e.g. `{ TICKET_TTL_MS: '300' }`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Serve TLS with the fixture certificate (sets TLS_CERT_FILE and TLS_KEY_FILE). */
  readonly tls?: boolean;
  /** Listen on this port instead of a free one (to restart a server where a client expects it). */
  readonly port?: number;
  /** `relaxed` ({@link RELAXED_LOGIN_LIMITS}) unless a test exercises the sample's own defaults. @default 'relaxed' */
  readonly loginLimits?: 'relaxed' | 'protocol-defaults';
}

export interface SecretLeak {
  readonly secret: string;
  readonly kind: SecretKind;
  readonly line: LogLine;
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

export function sampleMainPath(sample: string): string {
  return join(REPO_ROOT, 'apps', sample, 'dist', 'main.js');
}

function childEnv(port: number, options: StartOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, { PORT: String(port), HOST: '127.0.0.1' });
  if (options.loginLimits !== 'protocol-defaults') Object.assign(env, RELAXED_LOGIN_LIMITS);
  if (options.tls === true)
    Object.assign(env, { TLS_CERT_FILE: TEST_TLS.certFile, TLS_KEY_FILE: TEST_TLS.keyFile });
  return Object.assign(env, options.env);
}

export class SampleProcess implements Target {
  /** Values that must never appear in the logs: issued tickets, session ids, passwords. */
  readonly secrets = new Map<string, SecretKind>();
  readonly lines: LogLine[] = [];
  readonly httpBase: string;
  readonly wsBase: string;
  /** PEM of the CA to trust when the sample serves TLS. */
  readonly ca: string | undefined;
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
    private readonly options: StartOptions,
    private readonly child: ChildProcess,
  ) {
    this.ca = options.tls === true ? readFileSync(TEST_TLS.certFile, 'utf8') : undefined;
    const secure = this.ca !== undefined;
    this.httpBase = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.wsBase = `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}`;
    for (const user of Object.values(DEMO_USERS)) this.remember(user.password, 'password');
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

  /** `http://127.0.0.1:PORT` — the default allowed Origin of a sample on this port. */
  get origin(): string {
    return `${this.ca === undefined ? 'http' : 'https'}://127.0.0.1:${this.port}`;
  }

  /** `http://localhost:PORT` — the second default allowed Origin. */
  get altOrigin(): string {
    return `${this.ca === undefined ? 'http' : 'https'}://localhost:${this.port}`;
  }

  /** The process id of the child (e.g. to read `/proc/<pid>`). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  remember(value: string, kind: SecretKind): void {
    if (value !== '' && !this.secrets.has(value)) this.secrets.set(value, kind);
  }

  /** The secrets of one kind, e.g. every ticket this server issued. */
  secretsOfKind(kind: SecretKind): string[] {
    return [...this.secrets].filter(([, secretKind]) => secretKind === kind).map(([secret]) => secret);
  }

  /** Whether the child exited although nobody asked it to stop (e.g. it crashed). */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  static async start(sample: string, options: StartOptions = {}): Promise<SampleProcess> {
    if (!/^[a-z0-9-]+$/.test(sample)) throw new TypeError(`invalid sample name ${JSON.stringify(sample)}`);
    const main = sampleMainPath(sample);
    // Fail, never skip: a suite that silently tests nothing is worse than a red one.
    if (!existsSync(main)) {
      throw new Error(`${main} does not exist: build the sample first (npx nx run ${sample}:build)`);
    }
    const port = options.port ?? (await freePort());
    const child = spawn(process.execPath, [main], {
      cwd: REPO_ROOT,
      env: childEnv(port, options),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sampleProcess = new SampleProcess(sample, port, options, child);
    try {
      await sampleProcess.waitUntilReady();
    } catch (error) {
      await sampleProcess.stop();
      throw error;
    }
    return sampleProcess;
  }

  /** A new process of the same sample on the same port with the same options (this one must be gone). */
  restart(): Promise<SampleProcess> {
    return SampleProcess.start(this.name, { ...this.options, port: this.port });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastProblem = 'no attempt yet';
    while (Date.now() < deadline) {
      if (this.exit !== undefined) {
        throw new Error(
          `${this.name} exited during start-up (code ${String(this.exit.code)}, signal ${String(this.exit.signal)}):\n${this.logTail()}`,
        );
      }
      try {
        const response = await request(this, 'GET', '/healthz', { timeoutMs: 1_000 });
        if (response.status === 200) return;
        lastProblem = `GET /healthz answered ${response.status}`;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      await sleep(50);
    }
    throw new Error(
      `${this.name} not ready after ${READY_TIMEOUT_MS} ms (${lastProblem}):\n${this.logTail()}`,
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

  /** Every (line, secret) pair where a remembered secret (of `kind`, or of any kind) appears in the logs. */
  secretLeaks(kind?: SecretKind): SecretLeak[] {
    const secrets = [...this.secrets].filter(([, secretKind]) => kind === undefined || secretKind === kind);
    const leaks: SecretLeak[] = [];
    for (const line of this.lines) {
      for (const [secret, secretKind] of secrets) {
        if (line.text.includes(secret)) leaks.push({ secret, kind: secretKind, line });
      }
    }
    return leaks;
  }

  /** stdout lines that are not a JSON object. */
  nonJsonStdoutLines(): string[] {
    return this.lines
      .filter((line) => line.stream === 'stdout' && line.text.trim() !== '')
      .map((line) => line.text)
      .filter((text) => !isRecord(tryParseJson(text)));
  }

  /** Every stdout line that is a JSON object (the samples log one per line). */
  logObjects(): JsonObject[] {
    return this.lines
      .filter((line) => line.stream === 'stdout')
      .map((line) => tryParseJson(line.text))
      .filter(isRecord);
  }

  /**
   * Log objects whose `event` is `event` (e.g. `wsgate.upgrade_accepted`). Reads both samples'
   * formats: pino's fields at the top level (Fastify), and Nest's `ConsoleLogger`, whose
   * `message` holds the event as an object or as its JSON (its fields are merged into the line).
   */
  events(event: string): JsonObject[] {
    return this.logObjects()
      .map((line) => {
        const raw = line['message'];
        const message = typeof raw === 'string' ? tryParseJson(raw) : raw;
        return isRecord(message) && typeof message['event'] === 'string' ? { ...line, ...message } : line;
      })
      .filter((line) => line['event'] === event);
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
   * asynchronously: a client may see a response before the server's lines about it arrive.
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

  logTail(count = 40): string {
    return this.lines
      .slice(-count)
      .map((line) => `[${line.stream}] ${line.text}`)
      .join('\n');
  }
}
