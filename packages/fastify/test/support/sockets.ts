// Real `ws` clients for the specs. Not a spec file.
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { ALLOWED_ORIGIN } from './app.js';

/** How a handshake ended: an open socket, or the HTTP answer that refused the upgrade. */
export type SocketOutcome =
  | { readonly socket: WebSocket; readonly protocolHeader: string | undefined; readonly status?: undefined }
  | {
      readonly status: number;
      readonly body: string;
      readonly headers: IncomingHttpHeaders;
      /** The refused client (terminated), to check it never opened. */
      readonly client: WebSocket;
      readonly socket?: undefined;
      readonly protocolHeader?: undefined;
    };

export interface OpenSocketOptions {
  /** Request headers; `origin` defaults to `ALLOWED_ORIGIN` (pass `origin: ''` to send none). */
  headers?: Record<string, string>;
  /** Offered subprotocols. */
  protocols?: string[];
  /** Local address to connect from (e.g. `127.0.0.2`). */
  localAddress?: string;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

const DEFAULT_TIMEOUT_MS = 3_000;

/** What a client socket received, recorded from the moment it was created. */
class Probe {
  private readonly frames: (string | Buffer)[] = [];
  private readonly waiters: ((frame: string | Buffer) => void)[] = [];
  opened = false;
  readonly closed: Promise<CloseInfo>;

  constructor(socket: WebSocket) {
    socket.on('open', () => {
      this.opened = true;
    });
    socket.on('message', (data, isBinary) => {
      const frame = isBinary ? (data as Buffer) : data.toString();
      const waiter = this.waiters.shift();
      if (waiter === undefined) this.frames.push(frame);
      else waiter(frame);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  next(): Promise<string | Buffer> {
    const frame = this.frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

const probes = new WeakMap<WebSocket, Probe>();

function probeOf(socket: WebSocket): Probe {
  const probe = probes.get(socket);
  if (probe === undefined) throw new Error('socket was not opened with openSocket()');
  return probe;
}

function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Opens a real WebSocket and resolves once the handshake is decided: `{ socket }` when it
 * opened, `{ status, body }` when the server answered the upgrade with plain HTTP. The socket
 * is terminated when the test finishes.
 */
export function openSocket(url: string, options: OpenSocketOptions = {}): Promise<SocketOutcome> {
  const { origin = ALLOWED_ORIGIN, ...headers } = options.headers ?? {};
  const socket = new WebSocket(url, options.protocols ?? [], {
    headers: origin === '' ? headers : { origin, ...headers },
    localAddress: options.localAddress,
    handshakeTimeout: DEFAULT_TIMEOUT_MS,
    perMessageDeflate: false,
  });
  probes.set(socket, new Probe(socket));
  onTestFinished(() => socket.terminate());
  const outcome = new Promise<SocketOutcome>((resolve, reject) => {
    let protocolHeader: string | undefined;
    socket.on('upgrade', (response) => {
      const value = response.headers['sec-websocket-protocol'];
      protocolHeader = Array.isArray(value) ? value.join(', ') : value;
    });
    socket.once('open', () => resolve({ socket, protocolHeader }));
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers, client: socket });
        socket.terminate();
      });
    });
    socket.on('error', (error) => {
      if (!probeOf(socket).opened) reject(error);
    });
  });
  return withTimeout(outcome, `the handshake of ${url}`, DEFAULT_TIMEOUT_MS);
}

/** Opens a socket and fails the test unless it opened. */
export async function openOk(url: string, options: OpenSocketOptions = {}): Promise<WebSocket> {
  const outcome = await openSocket(url, options);
  if (outcome.socket === undefined)
    throw new Error(`expected the upgrade to open, got HTTP ${outcome.status} ${outcome.body}`);
  return outcome.socket;
}

/** Whether the client ever saw `open` (it never may after a refused handshake). */
export function everOpened(socket: WebSocket): boolean {
  return probeOf(socket).opened;
}

/** The next frame the socket received, parsed as JSON (text) or as-is (binary). */
export async function nextMessage(
  socket: WebSocket,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  parseJson = true,
): Promise<unknown> {
  const frame = await withTimeout(probeOf(socket).next(), 'a message', timeoutMs);
  return typeof frame === 'string' && parseJson ? (JSON.parse(frame) as unknown) : frame;
}

/** Resolves with the close code and reason the client saw. */
export function closed(socket: WebSocket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseInfo> {
  return withTimeout(probeOf(socket).closed, 'the close', timeoutMs);
}

/** Sends a JSON message. */
export function sendJson(socket: WebSocket, message: unknown): void {
  socket.send(JSON.stringify(message));
}

/** A handshake the server refused with plain HTTP. */
export interface Refusal {
  readonly status: number;
  /** The JSON body of the refusal. */
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
  /** Whether the client ever saw `open` (checked once the refused client has closed). */
  readonly opened: boolean;
}

/** Opens a socket and fails the test unless the server refused the upgrade with HTTP. */
export async function openRefused(url: string, options: OpenSocketOptions = {}): Promise<Refusal> {
  const outcome = await openSocket(url, options);
  if (outcome.socket !== undefined)
    throw new Error('expected the upgrade to be refused, but the socket opened');
  await closed(outcome.client);
  return {
    status: outcome.status,
    body: JSON.parse(outcome.body) as unknown,
    headers: outcome.headers,
    opened: everOpened(outcome.client),
  };
}

const NATIVE_WRITES = ['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString'];

/**
 * Counts, per accepted socket, the writes it hands to its native handle (one system call each)
 * from now on; returns the counts of the sockets accepted so far, in order.
 */
export function countServerWrites(server: Server): () => number[] {
  const counts: { count: number }[] = [];
  server.on('connection', (socket: Socket) => {
    const counter = { count: 0 };
    counts.push(counter);
    const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
    for (const method of NATIVE_WRITES) {
      const original = handle[method];
      if (typeof original !== 'function') continue;
      handle[method] = function (this: unknown, ...args: unknown[]) {
        counter.count += 1;
        return (original as (...given: unknown[]) => unknown).apply(this, args);
      };
    }
  });
  return () => counts.map((counter) => counter.count);
}
