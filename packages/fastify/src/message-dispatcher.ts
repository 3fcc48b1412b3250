import { errorFrame, type ConnectionMessageGuard, type ConnectionSupervisor } from '@wsgate/core';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket } from 'ws';

/** Handlers by message `type`; each gets the validated message, typed by its `type`. */
export type MessageHandlers<M extends { type: string }> = {
  [K in M['type']]?: (message: Extract<M, { type: K }>) => void | Promise<void>;
};

const INTERNAL_ERROR = JSON.stringify(errorFrame('INTERNAL_ERROR', 'internal error'));
const NO_HANDLER = JSON.stringify(
  errorFrame('VALIDATION_FAILED', 'unknown message type', [
    { path: '/type', message: 'is not a known message type' },
  ]),
);

/** Sends a JSON frame (or pre-serialised text) to one socket. */
export type FrameSender = (socket: WebSocket, frame: object | string) => void;

/** Sends a JSON frame if the socket is open, with no send-buffer cap. */
export const sendFrame: FrameSender = (socket, frame) => {
  if (socket.readyState !== WebSocket.OPEN) return;
  socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
};

/**
 * A {@link FrameSender} that respects the supervisor's send-buffer cap: a slow reader is
 * closed with 1008 instead of making the server buffer without bound.
 */
export function createFrameSender(supervisor: ConnectionSupervisor): FrameSender {
  return (socket, frame) => {
    supervisor.send(socket, typeof frame === 'string' ? frame : JSON.stringify(frame));
  };
}

/**
 * Wires a socket's `message` event to the guard and the handlers: refusals become error
 * frames or closes, valid messages go to their handler, and a handler that throws gets an
 * `INTERNAL_ERROR` frame (logged, never sent with details).
 */
export function dispatchMessages<M extends { type: string }>(
  socket: WebSocket,
  guard: ConnectionMessageGuard<unknown>,
  handlers: MessageHandlers<M>,
  log: FastifyBaseLogger,
  send: FrameSender = sendFrame,
): void {
  const fail = (error: unknown) => {
    log.error({ err: error, event: 'wsgate.handler_error' }, 'WebSocket message handler failed');
    send(socket, INTERNAL_ERROR);
  };
  socket.on('message', (data, isBinary) => {
    const result = guard.check(data, isBinary);
    if (!result.ok) {
      log.info(
        {
          event: 'wsgate.message_refused',
          code: result.action === 'reply' ? result.reply.code : result.closeCode,
        },
        'message refused',
      );
      if (result.action === 'reply') send(socket, result.reply);
      else socket.close(result.closeCode, result.reason);
      return;
    }
    const message = result.message as M;
    const handler = Object.hasOwn(handlers, message.type)
      ? (handlers as Record<string, ((message: M) => void | Promise<void>) | undefined>)[message.type]
      : undefined;
    if (handler === undefined) {
      send(socket, NO_HANDLER);
      return;
    }
    try {
      const pending = handler(message);
      if (pending !== undefined) pending.catch(fail);
    } catch (error) {
      fail(error);
    }
  });
}
