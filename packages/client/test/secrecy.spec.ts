import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type WebSocketConstructorLike, type WsGateClient } from '../src/index.js';
import { WebSocket, fastReconnect, once, record, until } from './support/helpers.js';
import { startTicketServer, type TicketServer } from './support/ticket-server.js';

let server: TicketServer | undefined;
let clients: WsGateClient[] = [];
afterEach(async () => {
  for (const client of clients) client.close();
  await server?.stop();
  server = undefined;
  clients = [];
});

/** Everything observable about an emitted value, as text. */
function dump(value: unknown): string {
  const parts = [JSON.stringify(value), inspect(value, { showHidden: true, depth: 8 }), String(value)];
  if (value instanceof Error)
    parts.push(value.message, value.stack ?? '', String(value.cause), inspect(value.cause, { depth: 8 }));
  return parts.join('\n');
}

describe('the ticket never leaves its transport', () => {
  it.each(['query', 'subprotocol'] as const)(
    '%s: not in any event, error, or the client object',
    async (transport) => {
      server = await startTicketServer();
      const client = connect({
        ticketUrl: server.ticketUrl,
        url: server.url,
        transport,
        WebSocket,
        reconnect: fastReconnect,
      });
      clients.push(client);
      const events = record(client);
      await once(client, 'state', (state) => state === 'open');
      await until(() => server!.sockets.size === 1);
      server.broadcast('not json');
      server.broadcast('{"type":"welcome","user":"alice"}');
      client.on('welcome', () => {
        throw new Error('handler bug');
      });
      server.broadcast('{"type":"welcome","user":"alice"}');
      server.terminateAll(); // drop → reconnect with a new ticket
      await once(client, 'state', (state) => state === 'open');
      await until(() => server!.sockets.size === 1);
      server.options.refuseUpgradesWith = 401; // next handshake refused before open → probe
      server.closeAll(1001);
      await once(client, 'retry', (info) => info.attempt >= 2);
      server.options.refuseUpgradesWith = undefined;
      await once(client, 'state', (state) => state === 'open');
      await until(() => server!.sockets.size === 1);
      server.closeAll(4401, 'logged out');
      await once(client, 'stopped');

      expect(server.issued.length).toBeGreaterThanOrEqual(5);
      const names = new Set(events.map((e) => e.name));
      for (const name of ['state', 'close', 'error', 'stopped', 'retry', 'message'] as const)
        expect(names).toContain(name);
      const observed = [
        ...events.map((e) => dump(e.payload)),
        dump(client),
        inspect(client, { showHidden: true, depth: 8 }),
        String(client),
      ].join('\n');
      for (const ticket of server.issued) expect(observed).not.toContain(ticket);
    },
  );

  it('a WebSocket constructor that throws with the URL in its message: the error does not carry it', async () => {
    server = await startTicketServer();
    const Throwing = function (url: string, protocols?: string | string[]) {
      throw new SyntaxError(`The URL '${url}' or subprotocols '${String(protocols)}' are invalid`);
    } as unknown as WebSocketConstructorLike;
    for (const transport of ['query', 'subprotocol'] as const) {
      const client = connect({
        ticketUrl: server.ticketUrl,
        url: server.url,
        transport,
        WebSocket: Throwing,
        reconnect: false,
      });
      clients.push(client);
      const events = record(client);
      await once(client, 'stopped');
      expect(events.map((e) => e.name)).toEqual(['error', 'state', 'stopped']);
      expect(events[0]!.payload).toMatchObject({ code: 'WSGATE_CLIENT_CONNECTION_FAILED' });
      const observed = events.map((e) => dump(e.payload)).join('\n');
      for (const ticket of server.issued) expect(observed).not.toContain(ticket);
    }
    expect(server.issued).toHaveLength(2);
  });
});
