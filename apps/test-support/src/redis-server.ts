// A throwaway redis-server on a free loopback port, with a `redis-cli monitor` recording every
// command the samples send (to prove no raw ticket ever reaches Redis). It can be killed
// (SIGKILL) and restarted on the same port, or stalled (SIGSTOP) and resumed, to test the
// samples through a Redis outage.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { freePort } from './sample-process.js';
import { sleep } from './wait.js';

const READY_TIMEOUT_MS = 10_000;

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function spawnServer(port: number): {
  child: ChildProcess;
  output: string[];
  spawnError: () => Error | undefined;
} {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream !== null) createInterface({ input: stream }).on('line', (line) => output.push(line));
  }
  return { child, output, spawnError: () => spawnError };
}

export class RedisServer {
  /** Every line `redis-cli monitor` printed (one per command the server received). */
  readonly monitorLines: string[] = [];
  private monitor: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private server: ChildProcess,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a redis-server (no persistence) on a free loopback port, with its monitor. */
  static async start(): Promise<RedisServer> {
    const port = await freePort();
    const spawned = spawnServer(port);
    const redis = new RedisServer(port, spawned.child);
    await redis.waitUntilReady(spawned.output, spawned.spawnError);
    await redis.startMonitorOrStop();
    return redis;
  }

  /** Whether the redis-server child is still running. */
  get running(): boolean {
    return this.server.exitCode === null && this.server.signalCode === null;
  }

  /** SIGKILLs redis-server (an abrupt crash: no shutdown, no save) and waits until it is gone. */
  async kill(): Promise<void> {
    const server = this.server;
    if (server.exitCode === null && server.signalCode === null) {
      await new Promise<void>((resolve) => {
        server.once('close', () => resolve());
        server.kill('SIGKILL');
      });
    }
    // `redis-cli monitor` exits by itself when its server dies; make sure it is gone too.
    if (this.monitor !== undefined) await stopChild(this.monitor);
    this.monitor = undefined;
  }

  /**
   * Stalls redis-server (SIGSTOP): connections stay open, commands get no answer, as with a
   * hung or swapping server. Always `resume()` it (in a `finally`).
   */
  pause(): void {
    if (this.running) this.server.kill('SIGSTOP');
  }

  /** Lets a paused redis-server run again (SIGCONT). */
  resume(): void {
    if (this.running) this.server.kill('SIGCONT');
  }

  /**
   * Starts a new, empty redis-server on the same port after `kill()` (without persistence
   * nothing survives the restart), and a new monitor appending to `monitorLines`.
   */
  async restart(): Promise<void> {
    if (this.running) throw new Error('redis-server is still running: kill() it first');
    const spawned = spawnServer(this.port);
    this.server = spawned.child;
    await this.waitUntilReady(spawned.output, spawned.spawnError);
    await this.startMonitorOrStop();
  }

  private async startMonitorOrStop(): Promise<void> {
    try {
      await this.startMonitor();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async waitUntilReady(
    output: readonly string[],
    spawnError: () => Error | undefined,
  ): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await ping(this.port))) {
      const error = spawnError();
      if (error !== undefined || this.server.exitCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `redis-server did not start on port ${this.port} (${error?.message ?? `exit ${String(this.server.exitCode)}`}; ` +
            `install it with tools/setup):\n${output.join('\n')}`,
        );
      }
      await sleep(50);
    }
  }

  private async startMonitor(): Promise<void> {
    const monitor = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), 'monitor'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.monitor = monitor;
    const started = new Promise<void>((resolve, reject) => {
      monitor.once('error', reject);
      monitor.once('exit', (code) => reject(new Error(`redis-cli monitor exited (${String(code)})`)));
      if (monitor.stdout === null) return;
      createInterface({ input: monitor.stdout }).on('line', (line) => {
        if (line.trim() === 'OK') resolve();
        else this.monitorLines.push(line);
      });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('redis-cli monitor did not start')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([started, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs one command with `redis-cli` and resolves with its output (test-only writes, e.g. a
   * session record changed behind a sample's back).
   */
  cli(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
      child.once('error', reject);
      child.once('close', (code) => {
        if (code === 0) resolve(Buffer.concat(output).toString('utf8').trimEnd());
        else reject(new Error(`redis-cli ${args[0] ?? ''} exited with ${String(code)}`));
      });
    });
  }

  async stop(): Promise<void> {
    this.resume();
    if (this.monitor !== undefined) await stopChild(this.monitor);
    this.monitor = undefined;
    await stopChild(this.server);
  }
}
