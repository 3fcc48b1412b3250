import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

/** A `ws` `WebSocketServer`, as far as {@link coalesceHandshakeWrites} needs it: its `headers` event. */
export interface HandshakeHeadersEmitter {
  /** Listens to `ws`'s `headers` event, emitted just before it writes the 101. */
  on(event: 'headers', listener: (headers: string[], request: IncomingMessage) => void): unknown;
}

function uncork(socket: Socket): void {
  socket.uncork();
}

// One shared listener for every server and handshake: nothing is allocated per socket but the
// tick's callback entry.
function holdUntilEndOfTurn(_headers: string[], request: IncomingMessage): void {
  const socket: unknown = request.socket;
  // Only a real TCP (or TLS) socket: an in-memory harness (`@fastify/websocket`'s `injectWS`)
  // gives the request a stand-in socket and reads the 101 as a chunk of its own.
  if (!(socket instanceof Socket)) return;
  socket.cork();
  process.nextTick(uncork, socket);
}

/**
 * Makes a `ws` server send its `101 Switching Protocols` response together with the frames the
 * connection handlers send at once (a welcome frame, a refusal's close frame), in one write.
 *
 * `ws` emits `headers`, writes the 101 and then runs the connection handlers, all in one turn of
 * the event loop; @wsgate's admission runs between the 101 and the handlers. Written apart, the
 * 101 wakes the client, and the first frame, written a few microseconds later, wakes it again.
 * Corking the socket from `headers` to the end of that turn sends both in one system call. What is
 * written later (an async handler's frames) is not held: the socket is uncorked when the turn
 * ends, whatever happened in it (an error, a destroyed socket). A request whose socket is not a
 * `net.Socket` (an in-memory test harness) is left alone.
 *
 * @example
 * coalesceHandshakeWrites(fastify.websocketServer);
 */
export function coalesceHandshakeWrites(server: HandshakeHeadersEmitter): void {
  server.on('headers', holdUntilEndOfTurn);
}
