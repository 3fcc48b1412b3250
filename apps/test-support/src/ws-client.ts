// A `ws` client for the demo protocol: opens `/ws` and reports either an open socket or the
// plain-HTTP refusal of the upgrade; queues received frames for `next(predicate)` and exposes
// the close code.
import { type IncomingHttpHeaders } from 'node:http';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { isRecord, tryParseJson, type JsonObject } from './json.js';
import type { Target } from './target.js';

export interface Frame {
  /** The text of the frame (binary frames are shown as `<binary N bytes>`). */
  readonly raw: string;
  readonly binary: boolean;
  /** The frame parsed as a JSON object, or `undefined` if it is not one. */
  readonly message: JsonObject | undefined;
}

export type FramePredicate = (message: JsonObject) => boolean;

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

interface Waiter {
  readonly predicate: FramePredicate;
  readonly resolve: (frame: Frame) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const DEFAULT_WAIT_MS = 3_000;
const live = new Set<WsClient>();

export class WsClient {
  /** Every frame received, in order (consumed by `next` or not). */
  readonly frames: Frame[] = [];
  /** Errors the socket emitted after opening (e.g. EPIPE while flooding a closing socket). */
  readonly errors: string[] = [];
  closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;
  private readonly consumed = new Set<Frame>();
  private readonly waiters: Waiter[] = [];

  constructor(readonly socket: WebSocket) {
    live.add(this);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    this.closed = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => {
        live.delete(this);
        this.closeInfo = { code, reason: reason.toString('utf8') };
        for (const waiter of this.waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(
            new Error(
              `socket closed (${code}) before a matching frame arrived; received:\n${this.describe()}`,
            ),
          );
        }
        resolve(this.closeInfo);
      });
    });
  }

  /** The subprotocol the server selected (`''` when none). */
  get protocol(): string {
    return this.socket.protocol;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends a text frame: strings as they are, anything else as JSON. */
  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBinary(data: Buffer): void {
    this.socket.send(data, { binary: true });
  }

  /** The first not-yet-consumed JSON frame matching `predicate`, waiting up to `timeoutMs`. */
  next(predicate: FramePredicate, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const found = this.frames.find((frame) => this.matches(frame, predicate));
    if (found !== undefined) {
      this.consumed.add(found);
      return Promise.resolve(found);
    }
    if (this.closeInfo !== undefined) {
      return Promise.reject(
        new Error(
          `socket already closed (${this.closeInfo.code}) and no matching frame was received:\n${this.describe()}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no matching frame within ${timeoutMs} ms; received:\n${this.describe()}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `message` and waits for the first frame matching `predicate`. */
  async exchange(message: unknown, predicate: FramePredicate, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    this.send(message);
    return this.next(predicate, timeoutMs);
  }

  /** Whether any frame ever received (consumed or not) matches `predicate`. */
  seen(predicate: FramePredicate): boolean {
    return this.frames.some((frame) => frame.message !== undefined && predicate(frame.message));
  }

  /** Resolves with the close code/reason, or rejects if the socket is still open after `timeoutMs`. */
  async waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(1000);
    }
  }

  terminate(): void {
    this.socket.terminate();
  }

  describe(last = 10): string {
    const shown = this.frames
      .slice(-last)
      .map((frame) => `  ${frame.raw.length > 300 ? `${frame.raw.slice(0, 300)}…` : frame.raw}`);
    return shown.length === 0 ? '  (no frames)' : shown.join('\n');
  }

  private matches(frame: Frame, predicate: FramePredicate): boolean {
    return !this.consumed.has(frame) && frame.message !== undefined && predicate(frame.message);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(new Uint8Array(data));
    const raw = isBinary ? `<binary ${buffer.length} bytes>` : buffer.toString('utf8');
    const parsed = isBinary ? undefined : tryParseJson(raw);
    const frame: Frame = { raw, binary: isBinary, message: isRecord(parsed) ? parsed : undefined };
    this.frames.push(frame);
    const waiter = this.waiters.find((candidate) => this.matches(frame, candidate.predicate));
    if (waiter !== undefined) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      this.consumed.add(frame);
      waiter.resolve(frame);
    }
  }
}

export type OpenResult =
  | { readonly kind: 'opened'; readonly client: WsClient }
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: string;
    }
  | { readonly kind: 'failed'; readonly error: string };

export interface OpenOptions {
  /** Raw query string (without `?`) appended to the path. */
  readonly query?: string;
  /** Subprotocols offered in `Sec-WebSocket-Protocol`. */
  readonly protocols?: readonly string[];
  /** `Origin` header; none by default (a non-browser client). */
  readonly origin?: string;
  /** Local address to connect from, e.g. `127.0.0.2`. */
  readonly localAddress?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly path?: string;
  readonly timeoutMs?: number;
}

/** Attempts the `/ws` upgrade and reports the outcome (never throws for a refusal). */
export function openSocket(target: Target, options: OpenOptions = {}): Promise<OpenResult> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const url = `${target.wsBase}${options.path ?? '/ws'}${options.query === undefined ? '' : `?${options.query}`}`;
  const clientOptions: ClientOptions = { perMessageDeflate: false, handshakeTimeout: timeoutMs };
  if (options.origin !== undefined) clientOptions.origin = options.origin;
  if (options.localAddress !== undefined) clientOptions.localAddress = options.localAddress;
  if (options.headers !== undefined) clientOptions.headers = { ...options.headers };
  if (target.ca !== undefined) clientOptions.ca = target.ca;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: OpenResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    let socket: WebSocket;
    try {
      socket = new WebSocket(
        url,
        options.protocols === undefined ? [] : [...options.protocols],
        clientOptions,
      );
    } catch (error) {
      settle({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
      return;
    }
    const client = new WsClient(socket);
    socket.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      const refused = (): void =>
        settle({
          kind: 'refused',
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        refused();
        socket.terminate();
      });
      res.on('error', refused);
    });
    socket.on('open', () => settle({ kind: 'opened', client }));
    socket.on('error', (error: Error) => {
      if (settled) client.errors.push(error.message);
      else settle({ kind: 'failed', error: error.message });
    });
    socket.once('close', () => settle({ kind: 'failed', error: 'closed before the handshake completed' }));
  });
}

export type TicketTransport = 'query' | 'subprotocol';

/** The open options that present `ticket` the given way. */
export function presentTicket(
  ticket: string,
  via: TicketTransport = 'query',
): Pick<OpenOptions, 'query' | 'protocols'> {
  return via === 'query'
    ? { query: `ticket=${encodeURIComponent(ticket)}` }
    : { protocols: ['wsgate', `wsgate.ticket.${ticket}`] };
}

export function describeOutcome(result: OpenResult): string {
  switch (result.kind) {
    case 'opened':
      return 'opened';
    case 'refused':
      return `refused with HTTP ${result.status} ${result.body.slice(0, 200)}`;
    case 'failed':
      return `failed: ${result.error}`;
  }
}

/** The client of an opened socket; throws with the outcome otherwise. */
export function expectOpened(result: OpenResult): WsClient {
  if (result.kind !== 'opened')
    throw new Error(`expected the upgrade to succeed, but it ${describeOutcome(result)}`);
  return result.client;
}

/** The HTTP status of a refused upgrade, or a description of what happened instead (for `expect`). */
export function refusalStatus(result: OpenResult): number | string {
  if (result.kind === 'opened') result.client.terminate();
  return result.kind === 'refused' ? result.status : describeOutcome(result);
}

/** Terminates every socket that is still open (used after each test). */
export function terminateAllSockets(): void {
  for (const client of live) client.terminate();
  live.clear();
}
