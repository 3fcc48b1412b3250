import { principalOf, type Principal, type TicketClaims } from '@wsgate/core';

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
  return principalOf<TClaims>(client);
}
