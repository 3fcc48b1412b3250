import { AsyncLocalStorage } from 'node:async_hooks';
import { EXCEPTION_EVENT, sendEventError, type Acknowledgement } from '@wsgate/socket.io';
import { errorForEmittedPayload } from '../exception-errors.js';

/** One run of a Nest handler for one event of one socket. */
interface HandlerRun {
  readonly socket: object;
  /** The event's acknowledgement, if the client sent one. */
  readonly ack: Acknowledgement | undefined;
  /** Whether the acknowledgement was called (Socket.IO sends only the first answer). */
  answered: boolean;
}

/** The socket's `emit`, as Socket.IO defines it. */
type Emit = (event: string, ...args: unknown[]) => boolean;

const runs = new AsyncLocalStorage<HandlerRun>();

/**
 * Runs a Nest handler callback (guards, pipes, handler, filters) for one event, so that an error
 * Nest's default exception filter emits during the run can reach the event's acknowledgement:
 * `call` gets the acknowledgement to hand Nest (one that records it was answered).
 */
export function runHandler<T>(
  socket: object,
  ack: Acknowledgement | undefined,
  call: (ack: Acknowledgement | undefined) => T,
): T {
  const run: HandlerRun = { socket, ack, answered: false };
  const recorded: Acknowledgement | undefined =
    ack === undefined
      ? undefined
      : (...args) => {
          run.answered = true;
          ack(...args);
        };
  return runs.run(run, () => call(recorded));
}

/** A Socket.IO socket whose `exception` events are translated. */
interface TranslatedSocket {
  readonly connected: boolean;
  emit: Emit;
}

/** Socket.IO's own `emit` of `socket` (its class's), under the translating one. */
function ownEmit(socket: TranslatedSocket): Emit {
  return (Object.getPrototypeOf(socket) as { emit: Emit }).emit;
}

// One `emit` for every translated socket (called with the socket as `this`): no closure per socket.
function translatingEmit(this: TranslatedSocket, event: string, ...args: unknown[]): boolean {
  const emit = ownEmit(this);
  if (event !== EXCEPTION_EVENT) return emit.call(this, event, ...args);
  const error = errorForEmittedPayload(args[0]);
  const run = runs.getStore();
  const pending = run !== undefined && run.socket === this && !run.answered ? run.ack : undefined;
  if (pending !== undefined && run !== undefined) run.answered = true;
  sendEventError({ connected: this.connected, emit: emit.bind(this) }, error, pending);
  return true;
}

/**
 * Makes every `exception` event of `socket` @wsgate's `{ code, message, issues? }` (once per
 * socket: later calls do nothing). Nest's default exception filter emits `exception` itself,
 * with its own shape (`{ status, message, cause: { pattern, data } }`, which echoes the client's
 * input): it is mapped like the `ws` adapter maps it, and sent to the acknowledgement of the
 * event being handled when the client sent one and it was not answered yet, else as the event.
 * Errors already in @wsgate's shape (its refusals, closes, `WsGateExceptionFilter`) keep it.
 */
export function translateExceptionEvents(socket: TranslatedSocket): void {
  if (socket.emit !== translatingEmit) socket.emit = translatingEmit;
}
