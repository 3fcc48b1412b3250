// @wsgate/client/socket.io against a real secured Socket.IO server: a fresh ticket for every
// (re)connection, reconnection after transport closes, a stop after revocation or a refusal.
import { connectSocketIo, type SocketIoStopInfo, type WsGateSocketIoClient } from '@wsgate/client/socket.io';
import { io, type Socket } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually, nextEvent } from './support/clients.js';
import {
  ALLOWED_ORIGIN,
  OTHER_ALLOWED_ORIGIN,
  startHttpServer,
  TICKET_PATH,
  type TestServer,
} from './support/servers.js';

const USER_HEADERS = { origin: ALLOWED_ORIGIN, 'x-test-user': 'alice', 'x-test-session': 's-1' };

function helper(
  server: TestServer,
  overrides: Partial<Parameters<typeof connectSocketIo<Socket>>[0]> = {},
): WsGateSocketIoClient<Socket> {
  const client = connectSocketIo<Socket>({
    io,
    url: server.origin,
    ticketUrl: `${server.origin}${TICKET_PATH}`,
    fetchInit: { headers: USER_HEADERS },
    socketOptions: { extraHeaders: { origin: ALLOWED_ORIGIN } },
    reconnect: { initialDelayMs: 10, maxDelayMs: 40, random: () => 0.5 },
    ...overrides,
  });
  onTestFinished(() => client.close());
  return client;
}

const ticketsIssued = (server: TestServer) =>
  server.audit.filter((event) => event.event === 'wsgate.ticket_issued').length;

function stopped(client: WsGateSocketIoClient<Socket>): Promise<SocketIoStopInfo> {
  return new Promise((resolve) => client.on('stopped', resolve));
}

describe('@wsgate/client/socket.io', () => {
  it('connects with a fresh ticket in the handshake query, over WebSocket', async () => {
    const server = await startHttpServer();
    const client = helper(server);
    expect(await nextEvent(client.socket, 'welcome')).toEqual({ user: 'alice', roles: ['member'] });
    expect(client.state).toBe('open');
    expect(client.socket.io.engine.transport.name).toBe('websocket');
    expect(await client.socket.emitWithAck('whoami', {})).toMatchObject({ ok: true, user: 'alice' });
    // The spent ticket is no longer in the manager's options.
    expect(client.socket.io.opts.query).toEqual({});
    expect(ticketsIssued(server)).toBe(1);
  });

  it('reconnects after the lifetime limit (a transport close) with a fresh ticket', async () => {
    const server = await startHttpServer({ wsgate: { supervision: { maxLifetimeMs: 400 } } });
    const client = helper(server);
    const states: string[] = [];
    client.on('state', (state) => states.push(state));
    await nextEvent(client.socket, 'welcome');
    await nextEvent(client.socket, 'welcome', 5_000);
    expect(states).toEqual(expect.arrayContaining(['reconnecting', 'open']));
    expect(ticketsIssued(server)).toBeGreaterThanOrEqual(2);
    expect(await client.socket.emitWithAck('whoami', {})).toMatchObject({ ok: true });
  });

  it('reconnects after a drain (1012) with a fresh ticket', async () => {
    const server = await startHttpServer();
    const client = helper(server);
    await nextEvent(client.socket, 'welcome');
    const welcomeAgain = nextEvent(client.socket, 'welcome');
    for (const connection of server.wsgate.registry.connectionsOf('alice'))
      connection.close(1012, 'draining');
    expect(await welcomeAgain).toMatchObject({ user: 'alice' });
    expect(ticketsIssued(server)).toBe(2);
  });

  it('stops for good after a revocation, and asks for no more tickets', async () => {
    const server = await startHttpServer();
    const client = helper(server);
    await nextEvent(client.socket, 'welcome');
    const stop = stopped(client);
    server.wsgate.revokeSession('s-1', 'logged out');
    expect(await stop).toEqual({ reason: 'unauthenticated', code: 'UNAUTHENTICATED' });
    expect(client.state).toBe('closed');
    expect(client.socket.connected).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticketsIssued(server)).toBe(1);
  });

  it("stops with the ticket endpoint's 401 before any handshake", async () => {
    const server = await startHttpServer();
    const client = helper(server, { fetchInit: { headers: { origin: ALLOWED_ORIGIN } } });
    expect(await stopped(client)).toEqual({ reason: 'unauthenticated', statusCode: 401 });
    expect(server.audit.some((event) => event.event === 'wsgate.upgrade_refused')).toBe(false);
  });

  it('after a refused handshake, asks the ticket endpoint: a 401 there stops it', async () => {
    const server = await startHttpServer();
    let calls = 0;
    const client = helper(server, {
      // The first ticket is presented with another Origin than it was issued for (refused); then
      // the session is over: the ticket endpoint answers 401.
      socketOptions: { extraHeaders: { origin: OTHER_ALLOWED_ORIGIN } },
      fetch: (input, init) => {
        calls += 1;
        return fetch(input, { ...init, headers: calls === 1 ? USER_HEADERS : { origin: ALLOWED_ORIGIN } });
      },
    });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.code));
    expect(await stopped(client)).toEqual({ reason: 'unauthenticated', statusCode: 401 });
    expect(errors).toContain('WSGATE_CLIENT_CONNECTION_FAILED');
    expect(server.audit).toContainEqual(
      expect.objectContaining({
        event: 'wsgate.upgrade_refused',
        fields: expect.objectContaining({ status: 401 }),
      }),
    );
  });

  it('retries refused handshakes with a new ticket each time, up to maxAttempts', async () => {
    const server = await startHttpServer();
    const client = helper(server, {
      socketOptions: { extraHeaders: { origin: OTHER_ALLOWED_ORIGIN } },
      reconnect: { initialDelayMs: 10, maxDelayMs: 20, random: () => 0.5, maxAttempts: 2 },
    });
    expect(await stopped(client)).toEqual({ reason: 'retries-exhausted' });
    const refusals = server.audit.filter((event) => event.event === 'wsgate.upgrade_refused');
    expect(refusals).toHaveLength(3);
    // Three attempts, three probes after them: six distinct tickets, none presented twice.
    expect(ticketsIssued(server)).toBe(6);
    expect(refusals.every((event) => event.fields['reason'] === 'origin_mismatch')).toBe(true);
  });

  it('stops after a server-side disconnect for a flood, with its code', async () => {
    const server = await startHttpServer({ wsgate: { messages: { rateLimit: { burst: 3, perSecond: 1 } } } });
    const client = helper(server);
    await nextEvent(client.socket, 'welcome');
    const stop = stopped(client);
    for (let n = 0; n < 10; n += 1) client.socket.emit('whoami', {});
    expect(await stop).toEqual({ reason: 'server-disconnect', code: 'RATE_LIMITED' });
    await eventually(() => server.wsgate.registry.size === 0, 'the connection to go');
  });
});
