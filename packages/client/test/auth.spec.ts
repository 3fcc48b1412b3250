import { afterEach, describe, expect, it } from 'vitest';
import { connect, type WsGateClient } from '../src/index.js';
import { WebSocket, fastReconnect, once, quiet, record } from './support/helpers.js';
import { startTicketServer, type TicketServer } from './support/ticket-server.js';

let server: TicketServer | undefined;
let client: WsGateClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.stop();
  client = server = undefined;
});

describe('ticket endpoint answers', () => {
  it.each([
    [401, 'unauthenticated'],
    [403, 'forbidden'],
  ] as const)('%i: stops with %s, no WebSocket attempt, no retry', async (status, reason) => {
    server = await startTicketServer({ ticketStatus: status });
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    const events = record(client);
    await once(client, 'stopped');
    await quiet();
    expect(events).toEqual([
      { name: 'state', payload: 'closed' },
      { name: 'stopped', payload: { reason, statusCode: status } },
    ]);
    expect(server.ticketRequests).toBe(1);
    expect(server.upgrades).toBe(0);
  });

  it.each([429, 500, 503])('%i: retried with backoff, then connects', async (status) => {
    server = await startTicketServer({ ticketStatus: (n) => (n <= 2 ? status : 200) });
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    const errors: { code: string; statusCode: number | undefined }[] = [];
    client.on('error', ({ code, statusCode }) => errors.push({ code, statusCode }));
    await once(client, 'state', (state) => state === 'open');
    expect(errors).toEqual([
      { code: 'WSGATE_CLIENT_TICKET_REQUEST_FAILED', statusCode: status },
      { code: 'WSGATE_CLIENT_TICKET_REQUEST_FAILED', statusCode: status },
    ]);
    expect(server.ticketRequests).toBe(3);
    expect(server.upgrades).toBe(1);
  });

  it('a 200 without a usable ticket is an error, and retried', async () => {
    let calls = 0;
    const realFetch = globalThis.fetch;
    server = await startTicketServer();
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: fastReconnect,
      fetch: async (input, init) => {
        calls += 1;
        if (calls === 1) return new Response('not json');
        if (calls === 2) return new Response('{"ticket":"has space"}');
        return realFetch(input, init);
      },
    });
    const codes: string[] = [];
    client.on('error', (error) => codes.push(error.code));
    await once(client, 'state', (state) => state === 'open');
    expect(codes).toEqual(['WSGATE_CLIENT_TICKET_RESPONSE_INVALID', 'WSGATE_CLIENT_TICKET_RESPONSE_INVALID']);
  });

  it('POSTs with credentials: include, merged with fetchInit', async () => {
    const seen: RequestInit[] = [];
    client = connect({
      ticketUrl: 'https://app.example/ws-ticket',
      url: 'wss://app.example/ws',
      WebSocket,
      fetchInit: { headers: { 'x-csrf': '1' } },
      reconnect: false,
      fetch: async (_input, init) => {
        seen.push(init);
        return new Response('', { status: 401 });
      },
    });
    await once(client, 'stopped');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', credentials: 'include', headers: { 'x-csrf': '1' } });
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });
});

describe('handshake refused before open (browsers only see 1006)', () => {
  it('asks the ticket endpoint again: 401 → stops with unauthenticated', async () => {
    server = await startTicketServer({ refuseUpgradesWith: 401, ticketStatus: (n) => (n === 1 ? 200 : 401) });
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    const events = record(client);
    await once(client, 'stopped');
    await quiet();
    expect(events).toEqual([
      { name: 'close', payload: { code: 1006, reason: '' } },
      { name: 'state', payload: 'closed' },
      { name: 'stopped', payload: { reason: 'unauthenticated', statusCode: 401 } },
    ]);
    expect(server.ticketRequests).toBe(2);
    expect(server.upgrades).toBe(1);
  });

  it('asks the ticket endpoint again: 200 → retries with a fresh ticket (the probe ticket is never presented)', async () => {
    server = await startTicketServer({ refuseUpgradesWith: 401 });
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    await once(client, 'retry', (info) => info.attempt === 2);
    server.options.refuseUpgradesWith = undefined;
    await once(client, 'state', (state) => state === 'open');
    // each failed attempt: one ticket to connect, one probe; then the successful attempt
    expect(server.upgrades).toBe(3);
    expect(server.ticketRequests).toBe(2 * 2 + 1);
    const presented = server.presented.map((p) => p.ticket);
    expect(presented).toEqual([server.issued[4]]);
  });

  it('a refused handshake with the ticket endpoint unreachable is retried (network)', async () => {
    server = await startTicketServer({ refuseUpgradesWith: 502 });
    const port = server.port;
    let calls = 0;
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: fastReconnect,
      fetch: async (input, init) => {
        calls += 1;
        if (calls % 2 === 0) throw new TypeError('fetch failed');
        return globalThis.fetch(input, init);
      },
    });
    const retry = await once(client, 'retry', (info) => info.attempt === 2);
    expect(retry.attempt).toBe(2);
    expect(client.state).toBe('reconnecting');
    expect(server.port).toBe(port);
  });
});
