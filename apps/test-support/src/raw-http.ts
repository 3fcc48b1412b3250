// Raw HTTP/1.1 over a plain TCP socket, for requests no HTTP client would send: pipelined
// requests, duplicated or malformed handshake headers, fragments in a URL, a client that stops
// half-way. Plain `http://` targets only.
import { connect, type Socket } from 'node:net';
import type { Target } from './target.js';

/** One header line as sent: a name may repeat, nothing is normalised. */
export type RawHeader = readonly [name: string, value: string];

export interface RawRequestOptions {
  /** @default 'GET' */
  readonly method?: string;
  /** The request target exactly as written on the request line, e.g. `/ws?x=1#&ticket=T`. */
  readonly path: string;
  /** Header lines after `Host`, in order. */
  readonly headers?: readonly RawHeader[];
}

/** A WebSocket key the tests send (RFC 6455's example nonce). */
export const SAMPLE_WEBSOCKET_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** The headers of a well-formed WebSocket upgrade (RFC 6455 §4.1). */
export const UPGRADE_HEADERS: readonly RawHeader[] = Object.freeze([
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', SAMPLE_WEBSOCKET_KEY],
  ['Sec-WebSocket-Version', '13'],
] as const);

/** The bytes of one request head (no body): request line, `Host`, the given headers, blank line. */
export function rawRequestHead(target: Pick<Target, 'port'>, request: RawRequestOptions): string {
  const lines = [
    `${request.method ?? 'GET'} ${request.path} HTTP/1.1`,
    `Host: 127.0.0.1:${target.port}`,
    ...(request.headers ?? []).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface RawExchange {
  /** Everything the server sent, as latin1 text. */
  readonly received: string;
  /** The status code of every response in `received`, in order (pipelined requests get several). */
  readonly statuses: readonly number[];
  /** Whether the server closed the connection (false: the client gave up after `timeoutMs`). */
  readonly closedByServer: boolean;
}

export interface RawExchangeOptions {
  /** Local loopback address to connect from, e.g. `127.0.0.2`. */
  readonly localAddress?: string;
  /**
   * How long to wait for the server to close the connection; then the client closes it itself
   * (as `nc -q1` does) and the result says `closedByServer: false`. @default 5000
   */
  readonly timeoutMs?: number;
  /** Half-close after writing (FIN), as `printf … | nc` does. @default true */
  readonly endAfterWrite?: boolean;
}

/**
 * The status code of every response in `text`, read in sequence: a head, then a body of its
 * `Content-Length` (0 without one), then the next head. Stops at the first thing that is not a
 * response head.
 */
export function responseStatuses(text: string): number[] {
  const statuses: number[] = [];
  let offset = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', offset);
    if (end === -1) return statuses;
    const head = text.slice(offset, end);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (status === null) return statuses;
    statuses.push(Number(status[1]));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    offset = end + 4 + (length === null ? 0 : Number(length[1]));
  }
}

/** Connects to `target` on plain TCP (never TLS). */
export function connectRaw(target: Pick<Target, 'port' | 'ca'>, localAddress?: string): Socket {
  if (target.ca !== undefined)
    throw new Error('raw TCP helpers speak plain HTTP only: start the sample without TLS');
  return connect(
    localAddress === undefined
      ? { host: '127.0.0.1', port: target.port }
      : { host: '127.0.0.1', port: target.port, localAddress },
  );
}

/**
 * Writes `bytes` on a new connection and collects the answer until the server closes the
 * connection or `timeoutMs` passes (then the client destroys it). Never rejects: a connection
 * error ends the exchange like a close.
 */
export function rawExchange(
  target: Pick<Target, 'port' | 'ca'>,
  bytes: string | Buffer,
  options: RawExchangeOptions = {},
): Promise<RawExchange> {
  const socket = connectRaw(target, options.localAddress);
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, options.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks).toString('latin1');
      resolve({ received, statuses: responseStatuses(received), closedByServer });
    });
    socket.on('connect', () => {
      if (options.endAfterWrite === false) socket.write(bytes);
      else socket.end(bytes);
    });
  });
}

/** Sends one raw request and resolves with the status of the (first) response, or 0 without one. */
export async function rawRequestStatus(
  target: Pick<Target, 'port' | 'ca'>,
  request: RawRequestOptions,
  options: RawExchangeOptions = {},
): Promise<number> {
  const { statuses } = await rawExchange(target, rawRequestHead(target, request), options);
  return statuses[0] ?? 0;
}

/**
 * Writes `bytes` on a new connection and destroys it as soon as they are written, without
 * waiting for an answer (a client that gives up mid-handshake). Resolves once it is closed.
 */
export function sendAndAbort(
  target: Pick<Target, 'port' | 'ca'>,
  bytes: string | Buffer,
  localAddress?: string,
): Promise<void> {
  const socket = connectRaw(target, localAddress);
  return new Promise((resolve) => {
    socket.on('error', () => socket.destroy());
    socket.on('close', () => resolve());
    socket.on('connect', () => socket.write(bytes, () => socket.destroy()));
  });
}
