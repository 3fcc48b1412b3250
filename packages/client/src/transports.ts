/** Where the ticket travels: see the README for what each server mode expects. */
export type TicketTransport = 'query' | 'subprotocol';

/** Subprotocol offered beside the ticket, and selected by the server. */
export const WSGATE_SUBPROTOCOL = 'wsgate';
/** Prefix of the subprotocol entry that carries the ticket. */
export const TICKET_SUBPROTOCOL_PREFIX = 'wsgate.ticket.';

/** What to pass to the WebSocket constructor for one attempt. */
export interface Handshake {
  readonly url: string;
  readonly protocols: string[] | undefined;
}

/**
 * Puts a ticket where `transport` says. `url` has no fragment and no `queryParam` parameter
 * (checked by `connect()`); its existing query is kept verbatim.
 */
export function buildHandshake(
  transport: TicketTransport,
  url: string,
  queryParam: string,
  ticket: string,
): Handshake {
  switch (transport) {
    case 'query': {
      const separator = !url.includes('?') ? '?' : url.endsWith('?') || url.endsWith('&') ? '' : '&';
      return {
        url: `${url}${separator}${encodeURIComponent(queryParam)}=${encodeURIComponent(ticket)}`,
        protocols: undefined,
      };
    }
    case 'subprotocol':
      return { url, protocols: [WSGATE_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX + ticket] };
  }
}
