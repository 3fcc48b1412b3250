import type { EnvelopeCodec, MessageError, Principal, TicketClaims } from '@wsgate/core';

/**
 * What @wsgate keeps on an accepted socket, under a registered symbol (so that it survives the
 * package being loaded twice, ESM and CJS, in one process): its principal (claims refreshed by
 * the session re-check) and its envelope (how errors are written to it).
 */
interface SocketState {
  readonly principal: () => Principal;
  readonly codec: EnvelopeCodec;
}

const STATE = Symbol.for('@wsgate/nestjs:socket-state');

/** @internal Attaches the state of an accepted socket (once; read-only afterwards). */
export function attachSocketState(client: object, state: SocketState): void {
  Object.defineProperty(client, STATE, { value: Object.freeze(state), enumerable: false, writable: false });
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
  return JSON.stringify((stateOf(client)?.codec ?? fallback).encodeError(error));
}
