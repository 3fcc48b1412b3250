import type { EnvelopeCodec, MessageError, Principal, TicketClaims } from '@wsgate/core';

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

/** @internal `error` as JSON text in the socket's envelope (the event envelope for an unknown socket). */
export function encodeErrorFor(client: unknown, error: MessageError, fallback: EnvelopeCodec): string {
  const state = stateOf(client);
  return JSON.stringify(
    (state !== undefined && 'codec' in state ? state.codec : fallback).encodeError(error),
  );
}

/**
 * @internal Sends `error` on a socket that answers errors its own way (Socket.IO: `ack`, else an
 * `exception` event). `false` for any other socket (`ws`: the caller writes a frame).
 */
export function sendErrorOwnWay(
  client: unknown,
  error: MessageError,
  ack: Acknowledgement | undefined,
): boolean {
  const state = stateOf(client);
  if (state === undefined || !('sendError' in state)) return false;
  state.sendError(error, ack);
  return true;
}
