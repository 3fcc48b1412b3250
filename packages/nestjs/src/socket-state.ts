import {
  eventEnvelope,
  type EnvelopeCodec,
  type MessageError,
  type Principal,
  type TicketClaims,
} from '@wsgate/core';

/** An acknowledgement callback a Socket.IO client sent with an event. */
export type Acknowledgement = (...args: unknown[]) => void;

/**
 * What @wsgate keeps on an accepted socket, under a registered symbol (so that it survives the
 * package being loaded twice, ESM and CJS, in one process): its principal (claims refreshed by
 * the session re-check), and how errors reach its client — a `ws` socket's envelope (JSON
 * frames), or a Socket.IO socket's own way (the acknowledgement, else an `exception` event).
 */
type SocketState =
  | { readonly principal: () => Principal; readonly codec: EnvelopeCodec }
  | {
      readonly principal: () => Principal;
      readonly sendError: (error: MessageError, ack: Acknowledgement | undefined) => void;
    };

const STATE = Symbol.for('@wsgate/nestjs:socket-state');
/** ws's `WebSocket.OPEN`, without importing `ws` at run time. */
const OPEN = 1;

/** @internal Attaches the state of an accepted socket (once; read-only afterwards). */
export function attachSocketState(client: object, state: SocketState): void {
  Object.defineProperty(client, STATE, { value: Object.freeze(state), enumerable: false, writable: false });
}

/** @internal Whether a state is attached to `client` already. */
export function hasSocketState(client: object): boolean {
  return Object.hasOwn(client, STATE);
}

function stateOf(client: unknown): SocketState | undefined {
  if (client === null || typeof client !== 'object') return undefined;
  return (client as Record<symbol, SocketState | undefined>)[STATE];
}

/**
 * The principal of the ticket that opened `client` (a socket accepted by a @wsgate adapter), or
 * `undefined` for anything else. Use it where param decorators do not run, e.g. in
 * `handleConnection`. Its claims follow the session re-check.
 *
 * @example
 * handleConnection(client: WebSocket) {
 *   const principal = getWsPrincipal(client);
 *   client.send(JSON.stringify({ type: 'welcome', user: principal?.subject }));
 * }
 */
export function getWsPrincipal<TClaims extends TicketClaims = TicketClaims>(
  client: unknown,
): Principal<TClaims> | undefined {
  return stateOf(client)?.principal() as Principal<TClaims> | undefined;
}

/**
 * @internal Sends `error` to `client`: a Socket.IO socket's own way (`ack`, else an `exception`
 * event); on an open `ws` socket, as a frame in its envelope (Nest's event envelope for a socket
 * @wsgate did not accept).
 */
export function sendSocketError(
  client: unknown,
  error: MessageError,
  ack: Acknowledgement | undefined,
): void {
  const state = stateOf(client);
  if (state !== undefined && 'sendError' in state) return state.sendError(error, ack);
  const socket = client as { readyState?: number; send?: (data: string) => void } | null;
  if (socket?.readyState !== OPEN || typeof socket.send !== 'function') return;
  socket.send(JSON.stringify((state?.codec ?? eventEnvelope).encodeError(error)));
}
