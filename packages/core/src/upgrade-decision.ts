import { STATUS_CODES } from 'node:http';
import type { AuditEvent } from './audit-events.js';
import type { HandshakeRefusal } from './handshake-authorizer.js';

/** How a refused upgrade is answered: an HTTP response, or a socket opened and closed at once. */
export type RefusalAnswer =
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: { readonly error: string };
      readonly audit: AuditEvent;
    }
  | {
      readonly kind: 'close';
      readonly closeCode: number;
      readonly reason: string;
      readonly audit: AuditEvent;
    };

/** The parts of a Node socket {@link writeHttpRefusal} uses. */
export interface RefusableSocket {
  readonly destroyed: boolean;
  readonly writable: boolean;
  end(data: string): unknown;
  destroy(): void;
  on(event: 'error', listener: () => void): unknown;
  once(event: 'finish', listener: () => void): unknown;
}

/**
 * Writes an HTTP refusal on a raw upgrade socket (the adapters that answer before any framework
 * reply exists: NestJS, Socket.IO), then destroys the socket. Never throws.
 */
export function writeHttpRefusal(
  socket: RefusableSocket,
  status: number,
  body: { readonly error: string },
  headers: Readonly<Record<string, string>> = { 'cache-control': 'no-store' },
): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`,
  );
}

/** Builds the answer to a refusal: HTTP unless the gate opens-then-closes (`close-frame` mode). */
export function refusalAnswer(refusal: HandshakeRefusal, inHttp: boolean, audit: AuditEvent): RefusalAnswer {
  if (!inHttp) return { kind: 'close', closeCode: refusal.closeCode, reason: refusal.code, audit };
  return {
    kind: 'http',
    status: refusal.status,
    headers: { 'cache-control': 'no-store' },
    body: { error: refusal.code },
    audit,
  };
}
