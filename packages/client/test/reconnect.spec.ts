import { afterEach, describe, expect, it } from 'vitest';
import { connect, type WsGateClient } from '../src/index.js';
import { WebSocket, fastReconnect, once, quiet, record, until } from './support/helpers.js';
import { startTicketServer, type TicketServer } from './support/ticket-server.js';

let server: TicketServer | undefined;
let client: WsGateClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.stop();
  client = server = undefined;
});

function expectFreshTickets(s: TicketServer): void {
  const presented = s.presented.map((p) => p.ticket);
  expect(new Set(presented).size).toBe(presented.length); // no ticket presented twice
  for (const ticket of presented) expect(s.issued).toContain(ticket);
}

const opened = (c: WsGateClient) => once(c, 'state', (state) => state === 'open');

describe('reconnect', () => {
  it.each(['query', 'subprotocol'] as const)(
    '%s: a fresh ticket for every attempt (N attempts, N distinct tickets)',
    async (transport) => {
      server = await startTicketServer();
      client = connect({
        ticketUrl: server.ticketUrl,
        url: server.url,
        transport,
        WebSocket,
        reconnect: fastReconnect,
      });
      for (let round = 1; round <= 4; round += 1) {
        await opened(client);
        await until(() => server!.sockets.size === 1);
        expect(server.presented).toHaveLength(round);
        server.closeAll(1001, 'going away');
      }
      await opened(client);
      await until(() => server!.sockets.size === 1);
      expect(server.issued).toHaveLength(5);
      expect(server.presented).toHaveLength(5);
      expect(server.presented.every((p) => p.accepted)).toBe(true);
      expectFreshTickets(server);
    },
  );

  it('reconnects after an abnormal drop (1006), reporting close, state and retry', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    const events = record(client);
    await opened(client);
    await until(() => server!.sockets.size === 1);
    server.terminateAll();
    await opened(client);
    const names = events.map((e) => (e.name === 'state' ? `state:${String(e.payload)}` : e.name));
    expect(names).toEqual(['state:open', 'close', 'state:reconnecting', 'retry', 'state:open']);
    expect(events[1]!.payload).toEqual({ code: 1006, reason: '' });
    expect(events[3]!.payload).toEqual({ attempt: 1, delayMs: 5 });
    expectFreshTickets(server);
  });

  it('reconnects after 1001 going away', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    await opened(client);
    await until(() => server!.sockets.size === 1);
    const closed = once(client, 'close');
    server.closeAll(1001, 'restarting');
    expect(await closed).toEqual({ code: 1001, reason: 'restarting' });
    await opened(client);
    expect(server.presented).toHaveLength(2);
  });

  it('4000 (re-authenticate): reconnects at once with a fresh ticket, after the jitter only, no error', async () => {
    server = await startTicketServer();
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      // a backoff delay would be 30 s here: the wait below would time out
      reconnect: { ...fastReconnect, initialDelayMs: 60_000, maxDelayMs: 60_000, reauthenticateJitterMs: 40 },
    });
    const events = record(client);
    await opened(client);
    await until(() => server!.sockets.size === 1);
    server.closeAll(4000, 'connection lifetime reached');
    await opened(client);
    await until(() => server!.sockets.size === 1);
    expect(events).toEqual([
      { name: 'state', payload: 'open' },
      { name: 'close', payload: { code: 4000, reason: 'connection lifetime reached' } },
      { name: 'state', payload: 'reconnecting' },
      { name: 'retry', payload: { attempt: 1, delayMs: 20 } }, // random 0.5 × 40
      { name: 'state', payload: 'open' },
    ]);
    expect(server.presented).toHaveLength(2);
    expect(server.presented.every((p) => p.accepted)).toBe(true);
    expectFreshTickets(server);
  });

  it('4000 for a whole server: every client comes back with its own ticket, spread by its jitter', async () => {
    server = await startTicketServer();
    const clients = [0.1, 0.5, 0.9].map((r) =>
      connect({
        ticketUrl: server!.ticketUrl,
        url: server!.url,
        WebSocket,
        reconnect: { ...fastReconnect, random: () => r, reauthenticateJitterMs: 100 },
      }),
    );
    try {
      await Promise.all(clients.map((c) => opened(c)));
      await until(() => server!.sockets.size === 3);
      const retries = clients.map((c) => once(c, 'retry'));
      const reopened = clients.map((c) => once(c, 'state', (state) => state === 'open'));
      server.closeAll(4000);
      expect((await Promise.all(retries)).map((r) => r.delayMs)).toEqual([10, 50, 90]);
      await Promise.all(reopened);
      await until(() => server!.sockets.size === 3);
      expect(server.presented).toHaveLength(6);
      expect(server.presented.every((p) => p.accepted)).toBe(true);
      expectFreshTickets(server);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('4000: if the re-authentication attempt fails, the usual backoff takes over', async () => {
    server = await startTicketServer({ ticketStatus: (n) => (n === 2 ? 503 : 200) });
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: { ...fastReconnect, reauthenticateJitterMs: 0 },
    });
    const retries: unknown[] = [];
    client.on('retry', (info) => retries.push(info));
    await opened(client);
    await until(() => server!.sockets.size === 1);
    server.closeAll(4000);
    await opened(client);
    // 1: jitter only (ceiling 0); 2: backoff for the second retry (ceiling 20, random 0.5)
    expect(retries).toEqual([
      { attempt: 1, delayMs: 0 },
      { attempt: 2, delayMs: 10 },
    ]);
    expect(server.ticketRequests).toBe(3);
  });

  it('1012 (service restart): reconnects with a fresh ticket after the usual backoff and jitter, no error', async () => {
    server = await startTicketServer();
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: { ...fastReconnect, reauthenticateJitterMs: 0 },
    });
    const events = record(client);
    await opened(client);
    await until(() => server!.sockets.size === 1);
    server.closeAll(1012, 'service restart');
    await opened(client);
    await until(() => server!.sockets.size === 1);
    expect(events).toEqual([
      { name: 'state', payload: 'open' },
      { name: 'close', payload: { code: 1012, reason: 'service restart' } },
      { name: 'state', payload: 'reconnecting' },
      { name: 'retry', payload: { attempt: 1, delayMs: 5 } }, // backoff: ceiling 10, random 0.5
      { name: 'state', payload: 'open' },
    ]);
    expect(server.presented).toHaveLength(2);
    expectFreshTickets(server);
  });

  it.each([4000, 1012])('%i with reconnect: false stops with retries-exhausted', async (code) => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: false });
    await opened(client);
    await until(() => server!.sockets.size === 1);
    const stopped = once(client, 'stopped');
    server.closeAll(code);
    expect(await stopped).toEqual({ reason: 'retries-exhausted' });
    await quiet();
    expect(server.ticketRequests).toBe(1);
  });

  it('survives a server restart on the same port: retries through refused connections, then reconnects', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    await opened(client);
    await server.stop();
    await once(client, 'retry', (info) => info.attempt >= 3);
    expect(client.state).toBe('reconnecting');
    expect(errors).toContain('WSGATE_CLIENT_TICKET_REQUEST_FAILED');
    await server.start();
    await opened(client);
    expect(server.presented).toHaveLength(2);
    expectFreshTickets(server);
  });

  it.each([
    [4401, 'unauthenticated'],
    [4403, 'forbidden'],
  ] as const)('stops for good on close code %i (%s): no further ticket requests', async (code, reason) => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    await opened(client);
    await until(() => server!.sockets.size === 1);
    const stopped = once(client, 'stopped');
    server.closeAll(code, 'bye');
    expect(await stopped).toEqual({ reason, closeCode: code });
    expect(client.state).toBe('closed');
    await quiet();
    expect(server.ticketRequests).toBe(1);
    expect(server.upgrades).toBe(1);
  });

  it('close() stops reconnecting: no retry, no ticket request after it, even during a backoff wait', async () => {
    server = await startTicketServer();
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: { ...fastReconnect, initialDelayMs: 100, maxDelayMs: 100 },
    });
    await opened(client);
    await until(() => server!.sockets.size === 1);
    server.terminateAll();
    await once(client, 'retry');
    const stopped = once(client, 'stopped');
    client.close();
    expect(await stopped).toEqual({ reason: 'client' });
    await quiet(250);
    expect(server.ticketRequests).toBe(1);
    expect(client.state).toBe('closed');
  });

  it('close() while open closes the socket with 1000 and does not reconnect', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    await opened(client);
    const closed = once(client, 'close');
    client.close();
    expect(await closed).toEqual({ code: 1000, reason: '' });
    await quiet();
    expect(server.ticketRequests).toBe(1);
    expect(server.sockets.size).toBe(0);
  });

  it('close() during the ticket request: nothing is opened', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    client.close();
    await quiet();
    expect(server.upgrades).toBe(0);
    expect(client.state).toBe('closed');
  });

  it('reconnect: false stops after the first drop with retries-exhausted', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: false });
    await opened(client);
    await until(() => server!.sockets.size === 1);
    const stopped = once(client, 'stopped');
    server.closeAll(1001);
    expect(await stopped).toEqual({ reason: 'retries-exhausted' });
    await quiet();
    expect(server.ticketRequests).toBe(1);
  });

  it('maxAttempts counts failures in a row and is reset by a successful open', async () => {
    server = await startTicketServer({ ticketStatus: (n) => (n === 2 || n >= 4 ? 503 : 200) });
    client = connect({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: { ...fastReconnect, maxAttempts: 2 },
    });
    await opened(client); // request 1
    await until(() => server!.sockets.size === 1);
    server.closeAll(1001); // retry 1: request 2 fails; retry 2: request 3 succeeds
    await opened(client);
    await until(() => server!.sockets.size === 1);
    const stopped = once(client, 'stopped');
    server.closeAll(1001); // the count starts again: requests 4 and 5 fail, then it gives up
    expect(await stopped).toEqual({ reason: 'retries-exhausted' });
    expect(server.ticketRequests).toBe(5);
  });
});

describe('re-entrancy', () => {
  it('close() from a state handler during a reconnect schedules nothing', async () => {
    server = await startTicketServer();
    client = connect({ ticketUrl: server.ticketUrl, url: server.url, WebSocket, reconnect: fastReconnect });
    await opened(client);
    await until(() => server!.sockets.size === 1);
    const c = client;
    const events = record(c);
    c.on('state', (state) => {
      if (state === 'reconnecting') c.close();
    });
    server.terminateAll();
    await once(c, 'stopped');
    await quiet();
    expect(events.map((e) => e.name)).toEqual(['close', 'state', 'state', 'stopped']);
    expect(server.ticketRequests).toBe(1);
  });
});
