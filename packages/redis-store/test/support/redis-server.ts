// A real redis-server for tests: started on a free loopback port, killed, paused and restarted
// on the same port. Reusable by any suite (it has no vitest dependency).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The binary. @default process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server' */
  binary?: string;
  /** Extra arguments, e.g. `['--enable-debug-command', 'yes']` or `['--rename-command', 'GETDEL', '']`. */
  extraArgs?: readonly string[];
  /** How long to wait for PING to answer, in ms. @default 10_000 */
  readyTimeoutMs?: number;
}

/** A running (or stopped) redis-server bound to 127.0.0.1. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  /** Stays the same across `kill`/`start`. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The server's own data directory (`--dir`: snapshots, AOF), kept across `kill`/`start`, removed by `stop`. */
  readonly dir: string;
  /** Whether a server process is running. */
  readonly running: boolean;
  /** Kills the server abruptly (SIGKILL, a crash) and waits for it to exit. No-op if stopped. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** `kill()` then `start()`. */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /** Kills the server for good and removes its data directory. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now: listen on 0, read the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  if (port === 0) throw new Error('could not find a free port');
  return port;
}

/** Sends one inline PING; resolves true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

class RedisServerProcess implements RedisServer {
  readonly host = '127.0.0.1' as const;
  private child: ChildProcess | undefined;
  private output = '';
  private readonly killOnExit = () => this.child?.kill('SIGKILL');
  readonly dir = mkdtempSync(join(tmpdir(), 'wsgate-redis-'));

  constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const binary = this.options.binary ?? process.env['REDIS_SERVER_BIN'] ?? '/usr/bin/redis-server';
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      this.dir,
      ...(this.options.extraArgs ?? []),
    ];
    this.output = '';
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.child === child) this.child = undefined;
      process.removeListener('exit', this.killOnExit);
    });
    child.once('error', (error) => {
      exited = true;
      keep(Buffer.from(`spawn failed: ${error.message}\n`));
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
    process.once('exit', this.killOnExit);

    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 10_000);
    while (!(await ping(this.port))) {
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${this.port} did not start:\n${this.output}`);
      }
      await sleep(20);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no --dir <own temp dir>`
 * and resolves once it answers PING (a RDB or AOF file in its directory is loaded, as by a real
 * restart). Call `stop()` when done (an exiting test process kills it too).
 *
 * @example
 * const redis = await startRedisServer();
 * const client = new Redis({ host: redis.host, port: redis.port });
 * ...
 * await redis.stop();
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = new RedisServerProcess(await freePort(), options);
  await server.start();
  return server;
}
