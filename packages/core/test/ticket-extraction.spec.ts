import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  extractTicket,
  offeredSubprotocols,
  parseSubprotocolHeader,
  withoutTicketSubprotocols,
  redactUrlForLog,
  TICKET_SUBPROTOCOL_PREFIX,
  WSGATE_SUBPROTOCOL,
  type HandshakeHeaders,
  type TicketSource,
} from '../src/index.js';

const T = 'A'.repeat(43);
const U = 'B'.repeat(43);
const BOTH: TicketSource[] = ['query', 'subprotocol'];

function extract(
  url: string,
  headers: HandshakeHeaders = {},
  sources: readonly TicketSource[] = BOTH,
  queryParam = 'ticket',
) {
  return extractTicket({ url, headers }, sources, queryParam);
}

describe('extractTicket', () => {
  it('finds the ticket in the query', () => {
    expect(extract(`/ws?room=x&ticket=${T}`)).toEqual({
      kind: 'found',
      ticket: T,
      source: 'query',
      protocol: undefined,
    });
  });

  it('decodes the query like URLSearchParams', () => {
    expect(extract(`/ws?ti%63ket=${T}`)).toMatchObject({ kind: 'found', ticket: T });
  });

  it('uses the configured query parameter', () => {
    expect(extract(`/ws?t=${T}`, {}, BOTH, 't')).toMatchObject({ kind: 'found', ticket: T });
    expect(extract(`/ws?ticket=${T}`, {}, BOTH, 't')).toEqual({ kind: 'none' });
  });

  it('finds the ticket in a subprotocol offered beside wsgate, selecting wsgate', () => {
    expect(extract('/ws', { 'sec-websocket-protocol': `wsgate, wsgate.ticket.${T}` })).toEqual({
      kind: 'found',
      ticket: T,
      source: 'subprotocol',
      protocol: 'wsgate',
    });
    expect(
      extract('/ws', { 'sec-websocket-protocol': `${TICKET_SUBPROTOCOL_PREFIX}${T},${WSGATE_SUBPROTOCOL}` }),
    ).toMatchObject({
      kind: 'found',
      protocol: 'wsgate',
    });
  });

  it('reads subprotocols from repeated headers', () => {
    expect(extract('/ws', { 'sec-websocket-protocol': ['wsgate', `wsgate.ticket.${T}`] })).toMatchObject({
      kind: 'found',
      ticket: T,
    });
  });

  it('refuses a subprotocol ticket offered without wsgate', () => {
    expect(extract('/ws', { 'sec-websocket-protocol': `chat, wsgate.ticket.${T}` })).toEqual({
      kind: 'malformed_request',
    });
    expect(extract('/ws', { 'sec-websocket-protocol': `wsgate.ticket.${T}` })).toEqual({
      kind: 'malformed_request',
    });
  });

  it('reports none when there is no ticket', () => {
    expect(extract('/ws')).toEqual({ kind: 'none' });
    expect(extract('/ws?room=x')).toEqual({ kind: 'none' });
    expect(extract('/ws', { 'sec-websocket-protocol': 'wsgate, chat' })).toEqual({ kind: 'none' });
  });

  it('refuses two tickets in the query as duplicate', () => {
    expect(extract(`/ws?ticket=${T}&ticket=${U}`)).toEqual({ kind: 'duplicate' });
    expect(extract(`/ws?ticket=${T}&ticket=${T}`)).toEqual({ kind: 'duplicate' });
    expect(extract(`/ws?ticket=${T}&ti%63ket=${U}`)).toEqual({ kind: 'duplicate' });
  });

  it('refuses a ticket in the query and one in a subprotocol as duplicate', () => {
    expect(extract(`/ws?ticket=${T}`, { 'sec-websocket-protocol': `wsgate, wsgate.ticket.${U}` })).toEqual({
      kind: 'duplicate',
    });
  });

  it('refuses two subprotocol tickets as duplicate', () => {
    expect(
      extract('/ws', { 'sec-websocket-protocol': `wsgate, wsgate.ticket.${T}, wsgate.ticket.${U}` }),
    ).toEqual({ kind: 'duplicate' });
  });

  it('looks only where the sources allow', () => {
    const headers = { 'sec-websocket-protocol': `wsgate, wsgate.ticket.${U}` };
    expect(extract(`/ws?ticket=${T}`, headers, ['query'])).toEqual({
      kind: 'found',
      ticket: T,
      source: 'query',
      protocol: undefined,
    });
    expect(extract(`/ws?ticket=${T}`, headers, ['subprotocol'])).toMatchObject({
      kind: 'found',
      ticket: U,
      source: 'subprotocol',
    });
  });

  it('returns an empty query ticket as found (redeem refuses it as missing)', () => {
    expect(extract('/ws?ticket=')).toMatchObject({ kind: 'found', ticket: '' });
  });
});

describe('offeredSubprotocols', () => {
  it('trims and drops empty entries', () => {
    expect(offeredSubprotocols({ 'sec-websocket-protocol': ' a, ,b ,, c' })).toEqual(['a', 'b', 'c']);
    expect(offeredSubprotocols({})).toEqual([]);
  });
});

/** redactUrlForLog as it was before its fast paths (segment by segment, always decoding): the oracle. */
function referenceRedaction(url: string, queryParam = 'ticket'): string {
  const run = /[A-Za-z0-9_-]{43,}/;
  const decode = (text: string, plusIsSpace: boolean) => {
    let current = plusIsSpace ? text.replace(/\+/g, ' ') : text;
    for (let round = 0; round < 3; round += 1) {
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
  };
  const carries = (text: string, plus: boolean) => run.test(text) || run.test(decode(text, plus));
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const safePath = path
    .split('/')
    .map((segment) => (carries(segment, false) ? '[redacted]' : segment))
    .join('/');
  if (queryStart === -1) return safePath;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      const value = equals === -1 ? '' : pair.slice(equals + 1);
      if (carries(name, true)) return '[redacted]=[redacted]';
      if (decode(name, true) === queryParam || carries(value, true)) return `${name}=[redacted]`;
      return pair;
    })
    .join('&');
  return `${safePath}?${query}`;
}

describe('redactUrlForLog', () => {
  it('redacts exactly as the segment-by-segment reading does, for any URL', () => {
    // URLs made of the characters that matter: base64url runs, separators, escapes, `+`.
    const piece = fc.oneof(
      fc.constantFrom('/', '?', '&', '=', '#', ';', '+', '%', '%2', '%25', '%41', '%2F', '%3D', '%26', '%2B'),
      fc.constantFrom('ticket', 'ti%63ket', 'tic+ket', 'TICKET', T, U, 'A'.repeat(42), 'A'.repeat(21)),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,50}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const url = `/${pieces.join('')}`;
        expect(redactUrlForLog(url)).toBe(referenceRedaction(url));
        expect(redactUrlForLog(url, 't')).toBe(referenceRedaction(url, 't'));
      }),
      { numRuns: 3_000 },
    );
  });

  it('redacts only the ticket parameter', () => {
    expect(redactUrlForLog(`/ws?room=x&ticket=${T}&lang=en`)).toBe('/ws?room=x&ticket=[redacted]&lang=en');
  });

  it('redacts a percent-encoded parameter name', () => {
    const redacted = redactUrlForLog(`/ws?ti%63ket=${T}&room=x`);
    expect(redacted).not.toContain(T);
    expect(redacted).toBe('/ws?ti%63ket=[redacted]&room=x');
  });

  it('redacts every occurrence, and a custom parameter', () => {
    const redacted = redactUrlForLog(`/ws?t=${T}&t=${U}&ticket=keep`, 't');
    expect(redacted).toBe('/ws?t=[redacted]&t=[redacted]&ticket=keep');
  });

  it('keeps URLs without a query and the fragment', () => {
    expect(redactUrlForLog('/ws')).toBe('/ws');
    // Extraction reads past `#` (it is part of the value), so redaction does too.
    expect(redactUrlForLog(`/ws?ticket=${T}#frag`)).toBe('/ws?ticket=[redacted]');
  });

  it('survives a broken percent-encoding in another name', () => {
    expect(redactUrlForLog(`/ws?%E0%A4%A=1&ticket=${T}`)).toBe('/ws?%E0%A4%A=1&ticket=[redacted]');
  });
});

describe('redactUrlForLog: every place extraction could read, and anything ticket-like', () => {
  const loggedForms: readonly [string, string][] = [
    ['after a fragment marker', `/ws?x=1#&ticket=${T}`],
    ['as a path parameter', `/ws;ticket=${T}`],
    ['as a path segment', `/ws/${T}`],
    ['under an upper-case name', `/ws?TICKET=${T}`],
    ['under an array-style name', `/ws?ticket[]=${T}`],
    ['percent-encoded', `/ws?t=${[...T].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('')}`],
    ['percent-encoded twice', `/ws?t=${encodeURIComponent(encodeURIComponent(`x${T}`))}`],
    ['as a parameter name', `/ws?${T}=1`],
    ['inside a longer run', `/ws?x=abc${T}def`],
  ];

  it.each(loggedForms)('redacts a ticket %s', (_form, url) => {
    const redacted = redactUrlForLog(url);
    expect(redacted).not.toContain(T);
    expect(redacted).toContain('[redacted]');
  });

  it('reads the query exactly as extraction does: what extraction finds is never logged', () => {
    for (const [, url] of loggedForms) {
      const found = extractTicket({ url, headers: {} }, ['query'], 'ticket');
      if (found.kind === 'found') expect(redactUrlForLog(url)).not.toContain(found.ticket);
    }
    expect(extractTicket({ url: `/ws?x=1#&ticket=${T}`, headers: {} }, ['query'], 'ticket')).toMatchObject({
      kind: 'found',
      ticket: T,
    });
  });

  it('leaves ordinary URLs alone', () => {
    expect(redactUrlForLog('/ws?room=lobby&lang=en')).toBe('/ws?room=lobby&lang=en');
    expect(redactUrlForLog('/assets/app.js')).toBe('/assets/app.js');
    expect(redactUrlForLog('/a/' + 'x'.repeat(42))).toBe('/a/' + 'x'.repeat(42));
  });
});

describe('withoutTicketSubprotocols', () => {
  it('drops ticket entries and keeps the others, parseable by ws', () => {
    const remaining = withoutTicketSubprotocols(`wsgate, wsgate.ticket.${T}, chat`);
    expect(remaining).toBe('wsgate, chat');
    expect(parseSubprotocolHeader(remaining ?? '')).toEqual(['wsgate', 'chat']);
    expect(withoutTicketSubprotocols(`wsgate.ticket.${T}`)).toBeUndefined();
    expect(withoutTicketSubprotocols('wsgate, chat')).toBe('wsgate, chat');
  });
});
