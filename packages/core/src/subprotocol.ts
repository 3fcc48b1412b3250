import { TICKET_SUBPROTOCOL_PREFIX } from './ticket-extraction.js';

/**
 * The subprotocol to select in the response to an accepted upgrade (`ws`'s `handleProtocols`):
 * `accepted` (`wsgate` when the ticket came as a subprotocol) when there is one, else the first
 * offered entry that carries no ticket (clients such as `ws` fail when none is selected), else
 * none. A ticket-carrying entry is never echoed.
 */
export function selectSubprotocol(offered: Iterable<string>, accepted: string | undefined): string | false {
  if (accepted !== undefined) return accepted;
  for (const protocol of offered) if (!protocol.startsWith(TICKET_SUBPROTOCOL_PREFIX)) return protocol;
  return false;
}
