import { afterEach, describe, expect, it } from 'vitest';
import { connect, type WsGateClient } from '../src/index.js';
import { buildHandshake } from '../src/transports.js';
import { WebSocket, once } from './support/helpers.js';
import { startTicketServer, type TicketServer } from './support/ticket-server.js';

let server: TicketServer | undefined;
let client: WsGateClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.stop();
  client = server = undefined;
});

describe('transports', () => {
  it.each(['query', 'subprotocol'] as const)(
    '%s: delivers the ticket in the handshake',
    async (transport) => {
      server = await startTicketServer();
      client = connect({ ticketUrl: server.ticketUrl, url: server.url, transport, WebSocket });
      await once(client, 'state', (state) => state === 'open');
      expect(server.issued).toHaveLength(1);
      expect(server.presented).toEqual([{ ticket: server.issued[0], via: transport, accepted: true }]);
    },
  );

  it('defaults to the subprotocol transport', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket });
    await once(client, 'state', (state) => state === 'open');
    expect(server.presented.map((p) => p.via)).toEqual(['subprotocol']);
  });

  it('query: keeps the existing query and URL-encodes the ticket', () => {
    expect(buildHandshake('query', 'ws://h/ws?room=a%20b&x', 'ticket', 'a+b/c=').url).toBe(
      'ws://h/ws?room=a%20b&x&ticket=a%2Bb%2Fc%3D',
    );
    expect(buildHandshake('query', 'ws://h/ws', 'ticket', 'abc').url).toBe('ws://h/ws?ticket=abc');
    expect(buildHandshake('query', 'ws://h/ws?', 't', 'abc').url).toBe('ws://h/ws?t=abc');
  });

  it('subprotocol: offers wsgate and wsgate.ticket.<ticket>, URL untouched', () => {
    expect(buildHandshake('subprotocol', 'ws://h/ws?x=1', 'ticket', 'abc')).toEqual({
      url: 'ws://h/ws?x=1',
      protocols: ['wsgate', 'wsgate.ticket.abc'],
    });
  });

  it('query: a URL that already carries the ticket parameter is refused up front', () => {
    expect(() =>
      connect({
        ticketUrl: '/t',
        url: 'ws://h/ws?ticket=old',
        transport: 'query',
        WebSocket,
        fetch: async () => new Response(),
      }),
    ).toThrow(expect.objectContaining({ code: 'WSGATE_CLIENT_INVALID_OPTION' }));
  });
});
