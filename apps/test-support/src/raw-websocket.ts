// A WebSocket client on a raw TCP socket, for what `ws` will not send: a flood of pings from a
// socket that never reads, a message in hundreds of fragments. The handshake is the real one
// (a ticket opens it); frames are written and read by hand (RFC 6455 §5).
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { connectRaw, rawRequestHead, responseStatuses, UPGRADE_HEADERS, type RawHeader } from './raw-http.js';
import type { Target } from './target.js';
import { waitFor } from './wait.js';

/** Frame opcodes (RFC 6455 §5.2). */
export const Opcode = Object.freeze({
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
});

export interface FrameOptions {
  /** Last fragment of the message. @default true */
  readonly fin?: boolean;
}

/** One client frame: masked, as RFC 6455 requires of clients. */
export function encodeFrame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const first = ((options.fin ?? true) ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (data.length < 126) {
    head = Buffer.from([first, 0x80 | data.length]);
  } else if (data.length < 65_536) {
    head = Buffer.alloc(4);
    head.writeUInt8(first, 0);
    head.writeUInt8(0x80 | 126, 1);
    head.writeUInt16BE(data.length, 2);
  } else {
    head = Buffer.alloc(10);
    head.writeUInt8(first, 0);
    head.writeUInt8(0x80 | 127, 1);
    head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i += 1) masked[i] = (data[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, masked]);
}

/** A server frame as read from the wire. */
export interface ServerFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/** The status code of a close frame's payload, or `undefined` when it carries none. */
export function closeCodeOf(frame: ServerFrame): number | undefined {
  return frame.opcode === Opcode.close && frame.payload.length >= 2
    ? frame.payload.readUInt16BE(0)
    : undefined;
}

/** Splits the (unmasked) server-to-client byte stream into frames. */
export class FrameReader {
  readonly frames: ServerFrame[] = [];
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = this.readOne();
      if (frame === undefined) return;
      this.frames.push(frame);
    }
  }

  private readOne(): ServerFrame | undefined {
    const bytes = this.pending;
    if (bytes.length < 2) return undefined;
    let length = (bytes[1] as number) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (bytes.length < 4) return undefined;
      length = bytes.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return undefined;
      length = Number(bytes.readBigUInt64BE(2));
      offset = 10;
    }
    if (bytes.length < offset + length) return undefined;
    const first = bytes[0] as number;
    this.pending = bytes.subarray(offset + length);
    return {
      fin: (first & 0x80) !== 0,
      opcode: first & 0x0f,
      payload: bytes.subarray(offset, offset + length),
    };
  }
}

export interface RawWebSocket {
  readonly socket: Socket;
  /** The server's frames so far (the welcome first). */
  readonly reader: FrameReader;
  /** Resolves when the TCP connection is gone, whoever closed it. */
  readonly closed: Promise<void>;
}

export interface RawUpgradeOptions {
  /** The request target, e.g. `/ws?ticket=…`. */
  readonly path: string;
  readonly headers?: readonly RawHeader[];
  /** Read the server's frames after the handshake (false: never read from the socket again). @default true */
  readonly read?: boolean;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Performs the upgrade on a raw TCP socket and resolves once the server answered 101 (rejects
 * with the status line otherwise). With `read: false` the socket is paused right after the
 * 101: the client then reads nothing more, as a peer that stopped reading.
 */
export function rawUpgrade(
  target: Pick<Target, 'port' | 'ca'>,
  options: RawUpgradeOptions,
): Promise<RawWebSocket> {
  const socket = connectRaw(target);
  const reader = new FrameReader();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const head = rawRequestHead(target, {
    path: options.path,
    headers: [...UPGRADE_HEADERS, ...(options.headers ?? [])],
  });
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no 101 within ${options.timeoutMs ?? 5_000} ms: ${received.toString('latin1').slice(0, 200)}`,
        ),
      );
    }, options.timeoutMs ?? 5_000);
    const onHandshakeData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.removeListener('data', onHandshakeData);
      const status = responseStatuses(received.subarray(0, end + 4).toString('latin1'))[0];
      if (status !== 101) {
        socket.destroy();
        reject(new Error(`upgrade answered ${String(status)}: ${received.toString('latin1').slice(0, 200)}`));
        return;
      }
      if (options.read === false) {
        socket.pause();
      } else {
        reader.push(received.subarray(end + 4));
        socket.on('data', (data: Buffer) => reader.push(data));
      }
      resolve({ socket, reader, closed });
    };
    socket.on('data', onHandshakeData);
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    socket.on('connect', () => socket.write(head));
  });
}

export interface PingFloodResult {
  /** Bytes of ping frames written before the server dropped the connection (or the flood stopped). */
  readonly sentBytes: number;
  /** Whether the server dropped the connection. */
  readonly dropped: boolean;
}

/**
 * Writes ping frames (125-byte payloads) as fast as the connection takes them, never reading,
 * until the server drops the connection, `maxBytes` were written or `timeoutMs` passed. A
 * server that answers every ping must queue the pongs this client never reads.
 */
export async function floodPings(
  socket: Socket,
  maxBytes: number,
  timeoutMs: number,
): Promise<PingFloodResult> {
  const batch = Buffer.concat(
    Array.from({ length: 256 }, () => encodeFrame(Opcode.ping, Buffer.alloc(125, 0x70))),
  );
  let dropped = socket.destroyed;
  socket.once('close', () => {
    dropped = true;
  });
  const deadline = Date.now() + timeoutMs;
  let sentBytes = 0;
  while (!dropped && sentBytes < maxBytes && Date.now() < deadline) {
    sentBytes += batch.length;
    if (!socket.write(batch)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          socket.removeListener('drain', done);
          socket.removeListener('close', done);
          resolve();
        };
        const timer = setTimeout(done, 250);
        socket.once('drain', done);
        socket.once('close', done);
      });
    }
  }
  await waitFor(() => dropped, Math.max(0, deadline - Date.now()));
  return { sentBytes, dropped };
}

/**
 * Sends `text` as one text message split into `fragments` frames (a text frame, then
 * continuation frames, the last with FIN), in one write.
 */
export function sendFragmented(socket: Socket, text: string, fragments: number): void {
  const bytes = Buffer.from(text, 'utf8');
  if (fragments < 1 || fragments > bytes.length)
    throw new RangeError(`cannot split ${bytes.length} bytes into ${fragments} fragments`);
  const frames: Buffer[] = [];
  for (let index = 0; index < fragments; index += 1) {
    const start = Math.floor((index * bytes.length) / fragments);
    const end = Math.floor(((index + 1) * bytes.length) / fragments);
    frames.push(
      encodeFrame(index === 0 ? Opcode.text : Opcode.continuation, bytes.subarray(start, end), {
        fin: index === fragments - 1,
      }),
    );
  }
  socket.write(Buffer.concat(frames));
}

/** The text frames received so far, decoded. */
export function textFrames(reader: FrameReader): string[] {
  return reader.frames
    .filter((frame) => frame.opcode === Opcode.text)
    .map((frame) => frame.payload.toString('utf8'));
}
