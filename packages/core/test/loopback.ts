// Real sockets on loopback for the specs. Not a spec file.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Listens on 127.0.0.1 (a free port) and registers, in `cleanups`, closing the server and every
 * connection it still holds. Returns the port.
 */
export async function listenOnLoopback(
  server: Server,
  cleanups: (() => Promise<void> | void)[],
): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

const NATIVE_WRITES = ['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString'];

/** Counts the writes `socket` hands to its native handle from now on (one system call each). */
export function countHandleWrites(socket: Socket): { readonly count: number } {
  const counter = { count: 0 };
  const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
  for (const method of NATIVE_WRITES) {
    const original = handle[method];
    if (typeof original !== 'function') continue;
    handle[method] = function (this: unknown, ...args: unknown[]) {
      counter.count += 1;
      return (original as (...given: unknown[]) => unknown).apply(this, args);
    };
  }
  return counter;
}
