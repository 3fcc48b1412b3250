// A throwaway redis-server on a free loopback port, with a `redis-cli monitor` recording every
// command the samples send (to prove no raw ticket ever reaches Redis).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './sample-process.js';

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

export class RedisServer {
  /** Every line `redis-cli monitor` printed (one per command the server received). */
  readonly monitorLines: string[] = [];

  private constructor(
    readonly port: number,
    private readonly server: ChildProcess,
    private monitor: ChildProcess | undefined = undefined,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const port = await freePort();
    const server = spawn(
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
    server.on('error', (error) => {
      spawnError = error;
    });
    for (const stream of [server.stdout, server.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on('line', (line) => output.push(line));
    }
    const redis = new RedisServer(port, server);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await ping(port))) {
      if (spawnError !== undefined || server.exitCode !== null || Date.now() > deadline) {
        await redis.stop();
        throw new Error(
          `redis-server did not start (${spawnError?.message ?? `exit ${String(server.exitCode)}`}; ` +
            `install it with tools/setup):\n${output.join('\n')}`,
        );
      }
      await sleep(50);
    }
    await redis.startMonitor();
    return redis;
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

  async stop(): Promise<void> {
    if (this.monitor !== undefined) await stopChild(this.monitor);
    await stopChild(this.server);
  }
}
