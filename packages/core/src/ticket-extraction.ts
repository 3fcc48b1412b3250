import type { HandshakeHeaders } from './handshake-request.js';

/** Subprotocol the server selects when the client authenticates with a subprotocol ticket. */
export const WSGATE_SUBPROTOCOL = 'wsgate';
/** Prefix of the subprotocol entry carrying the ticket: `wsgate.ticket.<ticket>`. */
export const TICKET_SUBPROTOCOL_PREFIX = 'wsgate.ticket.';

/** Where a handshake may carry its ticket. */
export type TicketSource = 'query' | 'subprotocol';

/** Result of looking for the ticket in a handshake. */
export type TicketExtraction =
  | { readonly kind: 'none' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'malformed_request' }
  | {
      readonly kind: 'found';
      readonly ticket: string;
      readonly source: TicketSource;
      readonly protocol: string | undefined;
    };

/** Subprotocol entries offered by the client, trimmed, empty entries dropped. */
export function offeredSubprotocols(headers: HandshakeHeaders): string[] {
  const raw = headers['sec-websocket-protocol'];
  if (raw === undefined) return [];
  const values = typeof raw === 'string' ? [raw] : [...raw];
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function queryTickets(url: string, queryParam: string): string[] | undefined {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return [];
  try {
    return new URLSearchParams(url.slice(queryStart + 1)).getAll(queryParam);
  } catch {
    return undefined;
  }
}

/**
 * Finds the ticket in a handshake: the `queryParam` query parameter, or a
 * `wsgate.ticket.<ticket>` subprotocol entry offered beside `wsgate` (then `wsgate` is the
 * protocol to select). More than one ticket in a request, in any mix of places, is refused
 * as `duplicate`, so that no ambiguity ever decides which one is checked.
 */
export function extractTicket(
  request: { readonly url: string; readonly headers: HandshakeHeaders },
  sources: readonly TicketSource[],
  queryParam: string,
): TicketExtraction {
  const found: { ticket: string; source: TicketSource }[] = [];
  let protocol: string | undefined;
  if (sources.includes('query')) {
    const values = queryTickets(request.url, queryParam);
    if (values === undefined) return { kind: 'malformed_request' };
    for (const ticket of values) found.push({ ticket, source: 'query' });
  }
  if (sources.includes('subprotocol')) {
    const offered = offeredSubprotocols(request.headers);
    const carriers = offered.filter((entry) => entry.startsWith(TICKET_SUBPROTOCOL_PREFIX));
    for (const entry of carriers) {
      found.push({ ticket: entry.slice(TICKET_SUBPROTOCOL_PREFIX.length), source: 'subprotocol' });
    }
    if (carriers.length > 0) {
      if (!offered.includes(WSGATE_SUBPROTOCOL)) return { kind: 'malformed_request' };
      protocol = WSGATE_SUBPROTOCOL;
    }
  }
  if (found.length === 0) return { kind: 'none' };
  if (found.length > 1) return { kind: 'duplicate' };
  const [only] = found as [{ ticket: string; source: TicketSource }];
  return { kind: 'found', ticket: only.ticket, source: only.source, protocol };
}

/**
 * Removes the ticket from a request URL (and only the ticket), for logging:
 * `/ws?ticket=abc&room=x` → `/ws?ticket=[redacted]&room=x`.
 */
export function redactTicketFromUrl(url: string, queryParam = 'ticket'): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const hashStart = url.indexOf('#', queryStart);
  const query = url.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const redacted = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return decodeQueryName(name) === queryParam ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${redacted}${hashStart === -1 ? '' : url.slice(hashStart)}`;
}

function decodeQueryName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** Removes ticket-carrying subprotocol entries from a `Sec-WebSocket-Protocol` value, for logging. */
export function redactTicketFromSubprotocols(value: string): string {
  return value
    .split(',')
    .map((entry) =>
      entry.trim().startsWith(TICKET_SUBPROTOCOL_PREFIX) ? ` ${TICKET_SUBPROTOCOL_PREFIX}[redacted]` : entry,
    )
    .join(',')
    .trim();
}
