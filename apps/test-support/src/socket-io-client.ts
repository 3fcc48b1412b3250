// A Socket.IO client for the demo protocol's Socket.IO mapping: socket.io-client (WebSocket
// transport, no automatic reconnection, one connection per client), recording every event it
// receives; and the Engine.IO handshake as a raw WebSocket upgrade, for its HTTP refusals.
import { io, type Socket } from 'socket.io-client';
import type { Target } from './target.js';
import { openSocket, type OpenOptions, type OpenResult } from './ws-client.js';

/** The Socket.IO path of the sample. */
export const SOCKET_IO_PATH = '/socket.io/';

/** One event the client received: its name and arguments. */
export interface ReceivedEvent {
  readonly name: string;
  readonly args: readonly unknown[];
}

const DEFAULT_WAIT_MS = 3_000;
const live = new Set<IoClient>();

/** A connected socket.io-client socket and what it received. */
export class IoClient {
  /** Every event received, in order. */
  readonly events: ReceivedEvent[] = [];
  /** The reason of the disconnect, once disconnected (`io server disconnect`, `transport close`...). */
  disconnectReason: string | undefined;
  readonly disconnected: Promise<string>;

  constructor(readonly socket: Socket) {
    live.add(this);
    socket.onAny((name: string, ...args: unknown[]) => this.events.push({ name, args }));
    this.disconnected = new Promise((resolve) =>
      socket.once('disconnect', (reason) => {
        live.delete(this);
        this.disconnectReason = reason;
        resolve(reason);
      }),
    );
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends an event without an acknowledgement. */
  emit(name: string, ...args: unknown[]): void {
    this.socket.emit(name, ...args);
  }

  /** Sends an event with an acknowledgement and resolves with the answer (bounded wait). */
  ack(name: string, ...args: unknown[]): Promise<unknown> {
    return this.socket.timeout(DEFAULT_WAIT_MS).emitWithAck(name, ...args) as Promise<unknown>;
  }

  /** The first payload (first argument) of event `name` matching `predicate`, received or to come. */
  async next(
    name: string,
    predicate: (payload: unknown) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((event) => event.name === name && predicate(event.args[0]));
      if (found !== undefined) return found.args[0];
      if (Date.now() > deadline)
        throw new Error(`no "${name}" event within ${timeoutMs} ms; received: ${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The payloads of every event `name` received so far. */
  received(name: string): unknown[] {
    return this.events.filter((event) => event.name === name).map((event) => event.args[0]);
  }

  /** Resolves with the disconnect reason, or rejects if still connected after `timeoutMs`. */
  async waitForDisconnect(timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.disconnected, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.disconnect();
  }

  describe(last = 10): string {
    const shown = this.events.slice(-last).map((event) => JSON.stringify([event.name, ...event.args]));
    return shown.length === 0 ? '(no events)' : shown.join(', ');
  }
}

export type IoConnectResult =
  | { readonly kind: 'connected'; readonly client: IoClient }
  /** `status`: the HTTP status of the refused handshake, when the error says it. */
  | { readonly kind: 'failed'; readonly error: string; readonly status: number | undefined };

export interface IoConnectOptions {
  /** The ticket, in the handshake query (`ticket`). */
  readonly ticket?: string;
  /** The `auth` payload (where Socket.IO users habitually put tokens). */
  readonly auth?: Record<string, unknown>;
  /** `Origin` header; none by default (a non-browser client). */
  readonly origin?: string;
  readonly localAddress?: string;
  /** Namespace, e.g. `/admin`. @default '/' */
  readonly namespace?: string;
  readonly timeoutMs?: number;
}

/** The HTTP status in a refused WebSocket handshake's error (`Unexpected server response: 401`). */
function statusOf(error: Error & { description?: unknown }): number | undefined {
  const description = error.description as { message?: unknown } | undefined;
  const text = typeof description?.message === 'string' ? description.message : error.message;
  const match = /Unexpected server response: (\d{3})/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** Connects with socket.io-client (WebSocket only, no reconnection) and tells how it went. */
export function connectIo(target: Target, options: IoConnectOptions = {}): Promise<IoConnectResult> {
  const headers: Record<string, string> = options.origin === undefined ? {} : { origin: options.origin };
  const socket = io(`${target.httpBase}${options.namespace ?? ''}`, {
    path: SOCKET_IO_PATH,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: options.timeoutMs ?? 5_000,
    query: options.ticket === undefined ? {} : { ticket: options.ticket },
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    extraHeaders: headers,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    ...(target.ca === undefined ? {} : { ca: target.ca }),
  });
  const client = new IoClient(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ kind: 'connected', client }));
    socket.once('connect_error', (error: Error & { description?: unknown }) => {
      live.delete(client);
      socket.disconnect();
      resolve({ kind: 'failed', error: error.message, status: statusOf(error) });
    });
  });
}

/** The client of a connected result; throws with the outcome otherwise. */
export function expectConnected(result: IoConnectResult): IoClient {
  if (result.kind !== 'connected')
    throw new Error(`expected to connect, but: ${result.error} (status ${String(result.status)})`);
  return result.client;
}

/**
 * The Engine.IO WebSocket handshake as a raw upgrade to `/socket.io/?EIO=4&transport=websocket`
 * plus `query`: an `opened` socket (Engine.IO's open packet is its first frame) or the HTTP refusal.
 */
export function engineUpgrade(
  target: Target,
  query = '',
  options: Omit<OpenOptions, 'path' | 'query'> = {},
): Promise<OpenResult> {
  return openSocket(target, {
    ...options,
    path: SOCKET_IO_PATH,
    query: `EIO=4&transport=websocket${query === '' ? '' : `&${query}`}`,
  });
}

/** Disconnects every client still connected (used after each test). */
export function disconnectAllIoClients(): void {
  for (const client of live) client.close();
  live.clear();
}
