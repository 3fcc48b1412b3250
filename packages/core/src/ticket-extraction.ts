import { DEFAULTS } from './defaults.js';
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

/** What replaces a redacted value in a logged URL. */
const REDACTED = '[redacted]';
/** A run of base64url characters as long as a ticket or longer: could be a ticket, wherever it is. */
const TICKET_LIKE_RUN = /[A-Za-z0-9_-]{43,}/;
/** Percent-decodings applied before looking for a ticket-like run (a ticket encoded twice is still a ticket). */
const MAX_DECODINGS = 3;

function decodeComponent(text: string, plusIsSpace: boolean): string {
  // Nothing to decode (the common case): the text as it is.
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return text;
  let current = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  for (let round = 0; round < MAX_DECODINGS; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function carriesTicketLikeRun(text: string, plusIsSpace: boolean): boolean {
  if (TICKET_LIKE_RUN.test(text)) return true;
  const decoded = decodeComponent(text, plusIsSpace);
  return decoded !== text && TICKET_LIKE_RUN.test(decoded);
}

function redactQueryPair(pair: string, queryParam: string): string {
  const equals = pair.indexOf('=');
  const name = equals === -1 ? pair : pair.slice(0, equals);
  const value = equals === -1 ? '' : pair.slice(equals + 1);
  if (carriesTicketLikeRun(name, true)) return `${REDACTED}=${REDACTED}`;
  if (decodeComponent(name, true) === queryParam || carriesTicketLikeRun(value, true))
    return `${name}=${REDACTED}`;
  return pair;
}

/**
 * A request URL made safe to log: everything a ticket could be read from is redacted.
 * - The query is read exactly as ticket extraction reads it: everything after the first `?`,
 *   fragment included, split on `&` (so `?x=1#&ticket=T` is redacted too). The `queryParam`
 *   value is redacted (`ticket=[redacted]`), and so is any parameter whose name or value, once
 *   percent-decoded, holds a run of 43 or more base64url characters (`?TICKET=T`,
 *   `?ticket[]=T`, `?t=%54...`).
 * - In the path, any segment holding such a run is replaced (`/ws/T`, `/ws;ticket=T`).
 *
 * @example
 * redactUrlForLog('/ws?room=x&ticket=abc...') // '/ws?room=x&ticket=[redacted]'
 */
export function redactUrlForLog(url: string, queryParam: string = DEFAULTS.queryParam): string {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  // A run never spans a `/`: without one in the whole path (and nothing to decode), no segment has one.
  const safePath =
    !path.includes('%') && !TICKET_LIKE_RUN.test(path)
      ? path
      : path
          .split('/')
          .map((segment) => (carriesTicketLikeRun(segment, false) ? REDACTED : segment))
          .join('/');
  if (queryStart === -1) return safePath;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => redactQueryPair(pair, queryParam))
    .join('&');
  return `${safePath}?${query}`;
}

/**
 * A `Sec-WebSocket-Protocol` value without its ticket-carrying entries (`wsgate.ticket.*`), for
 * what frameworks log and `ws` parses after the ticket was read; `undefined` when no entry is
 * left. The entries are dropped, not masked: `ws` must still be able to parse what remains.
 */
export function withoutTicketSubprotocols(value: string): string | undefined {
  const remaining = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith(TICKET_SUBPROTOCOL_PREFIX));
  return remaining.length === 0 ? undefined : remaining.join(', ');
}
