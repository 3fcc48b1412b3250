import { describe, expect, it } from 'vitest';
import {
  extractTicket,
  offeredSubprotocols,
  redactTicketFromSubprotocols,
  redactTicketFromUrl,
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

describe('redactTicketFromUrl', () => {
  it('redacts only the ticket parameter', () => {
    expect(redactTicketFromUrl(`/ws?room=x&ticket=${T}&lang=en`)).toBe(
      '/ws?room=x&ticket=[redacted]&lang=en',
    );
  });

  it('redacts a percent-encoded parameter name', () => {
    const redacted = redactTicketFromUrl(`/ws?ti%63ket=${T}&room=x`);
    expect(redacted).not.toContain(T);
    expect(redacted).toBe('/ws?ti%63ket=[redacted]&room=x');
  });

  it('redacts every occurrence, and a custom parameter', () => {
    const redacted = redactTicketFromUrl(`/ws?t=${T}&t=${U}&ticket=keep`, 't');
    expect(redacted).toBe('/ws?t=[redacted]&t=[redacted]&ticket=keep');
  });

  it('keeps URLs without a query and the fragment', () => {
    expect(redactTicketFromUrl('/ws')).toBe('/ws');
    expect(redactTicketFromUrl(`/ws?ticket=${T}#frag`)).toBe('/ws?ticket=[redacted]#frag');
  });

  it('survives a broken percent-encoding in another name', () => {
    expect(redactTicketFromUrl(`/ws?%E0%A4%A=1&ticket=${T}`)).toBe('/ws?%E0%A4%A=1&ticket=[redacted]');
  });
});

describe('redactTicketFromSubprotocols', () => {
  it('redacts ticket entries and keeps the others', () => {
    const redacted = redactTicketFromSubprotocols(`wsgate, wsgate.ticket.${T}, chat`);
    expect(redacted).not.toContain(T);
    expect(redacted).toBe('wsgate, wsgate.ticket.[redacted], chat');
    expect(redactTicketFromSubprotocols(`wsgate.ticket.${T},wsgate`)).toBe('wsgate.ticket.[redacted],wsgate');
    expect(redactTicketFromSubprotocols('wsgate, chat')).toBe('wsgate, chat');
  });
});
