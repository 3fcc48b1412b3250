// Starts a sample app (`node apps/<sample>/dist/main.js`) as a real child process on a free
// loopback port, waits for `GET /healthz`, captures every stdout/stderr line and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from './http.js';
import { DEMO_USERS } from './users.js';

/** Absolute path of the monorepo root (this file is apps/e2e/test/support/sample-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The self-signed test certificate (IP:127.0.0.1, DNS:localhost) in test/fixtures/tls. */
export const TEST_TLS = {
  certFile: fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url)),
  keyFile: fileURLToPath(new URL('../fixtures/tls/key.pem', import.meta.url)),
} as const;

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** Environment variables passed through from the test runner; everything else is dropped. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** What the HTTP and WebSocket helpers need to reach a running server. */
export interface Target {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` or `https://…` when the sample serves TLS. */
  readonly httpBase: string;
  /** `ws://127.0.0.1:PORT` or `wss://…`. */
  readonly wsBase: string;
  /** PEM of the CA to trust for TLS, if the sample serves TLS. */
  readonly ca: string | undefined;
  /** Records a value that must never appear in this server's logs. */
  remember(value: string, kind: SecretKind): void;
}

export type SecretKind = 'ticket' | 'session id' | 'password';

export interface StartOptions {
  /** Extra environment for the child, e.g. `{ TICKET_TTL_MS: '300' }`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Serve TLS with the fixture certificate (sets TLS_CERT_FILE and TLS_KEY_FILE). */
  readonly tls?: boolean;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sampleMainPath(sample: string): string {
  return join(REPO_ROOT, 'apps', sample, 'dist', 'main.js');
}

export class SampleProcess implements Target {
  /** Values that must never appear in the logs: issued tickets, session ids, passwords. */
  readonly secrets = new Map<string, SecretKind>();
  readonly lines: LogLine[] = [];
  readonly httpBase: string;
  readonly wsBase: string;
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
    private readonly child: ChildProcess,
    ca: string | undefined,
  ) {
    const secure = ca !== undefined;
    this.ca = ca;
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
    if (!existsSync(main)) {
      throw new Error(`${main} does not exist: build the sample first (npx nx run ${sample}:build)`);
    }
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const key of INHERITED_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    Object.assign(env, { PORT: String(port), HOST: '127.0.0.1' });
    if (options.tls === true)
      Object.assign(env, { TLS_CERT_FILE: TEST_TLS.certFile, TLS_KEY_FILE: TEST_TLS.keyFile });
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [main], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ca = options.tls === true ? readFileSync(TEST_TLS.certFile, 'utf8') : undefined;
    const sampleProcess = new SampleProcess(sample, port, child, ca);
    try {
      await sampleProcess.waitUntilReady();
    } catch (error) {
      await sampleProcess.stop();
      throw error;
    }
    return sampleProcess;
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
      await sleep(100);
    }
    throw new Error(
      `${this.name} not ready after ${READY_TIMEOUT_MS} ms (${lastProblem}):\n${this.logTail()}`,
    );
  }

  /** Stops the child (SIGTERM, then SIGKILL after 5 s) and waits until its output is drained. */
  async stop(): Promise<void> {
    this.stopping = this.stopping || this.exit === undefined;
    if (this.exit === undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.closed;
      clearTimeout(timer);
    }
    process.removeListener('exit', this.killOnExit);
  }

  /** Every (line, secret) pair where a secret of `kind` appears in the logs. */
  secretLeaks(kind: SecretKind): SecretLeak[] {
    const secrets = this.secretsOfKind(kind);
    const leaks: SecretLeak[] = [];
    for (const line of this.lines) {
      for (const secret of secrets) {
        if (line.text.includes(secret)) leaks.push({ secret, kind, line });
      }
    }
    return leaks;
  }

  /** stdout lines that are not a JSON object. */
  nonJsonStdoutLines(): string[] {
    return this.lines
      .filter((line) => line.stream === 'stdout' && line.text.trim() !== '')
      .map((line) => line.text)
      .filter((text) => {
        try {
          const value: unknown = JSON.parse(text);
          return typeof value !== 'object' || value === null || Array.isArray(value);
        } catch {
          return true;
        }
      });
  }

  logTail(count = 40): string {
    return this.lines
      .slice(-count)
      .map((line) => `[${line.stream}] ${line.text}`)
      .join('\n');
  }
}
