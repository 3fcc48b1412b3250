// Two instances on one real redis-server: @socket.io/redis-adapter carries rooms and broadcasts
// across them, @wsgate's Redis revocation bus carries logouts, the Redis ticket store lets a
// ticket issued by one be redeemed by the other. All on one Redis, side by side; a `ws` app on
// @wsgate/fastify on the same bus shows that one logout reaches both kinds of sockets.
import { createAdapter } from '@socket.io/redis-adapter';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  RedisRevocationBus,
  RedisTicketStore,
} from '@wsgate/redis-store';
import { wsgateFastify } from '@wsgate/fastify';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startRedisServer, type RedisServer } from '../../redis-store/test/support/redis-server.js';
import { clientSocket, disconnection, emitAck, nextEvent, rawUpgrade, ticketFor } from './support/clients.js';
import { ALLOWED_ORIGIN, startHttpServer, type TestServer } from './support/servers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

/** Redis connections, closed after what uses them (Socket.IO's adapter unsubscribes on close). */
function connections() {
  const opened: Redis[] = [];
  return {
    client(): Redis {
      const connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: 1 });
      connection.on('error', () => undefined);
      opened.push(connection);
      return connection;
    },
    closeAll: () => Promise.all(opened.map((connection) => connection.quit().catch(() => undefined))),
  };
}

/** One instance: Socket.IO with the Redis adapter, the Redis ticket store, the revocation bus. */
async function instance(): Promise<{ server: TestServer; bus: RedisRevocationBus }> {
  const { client, closeAll } = connections();
  const commands = client();
  const server = await startHttpServer({
    wsgate: { tickets: { store: new RedisTicketStore({ command: createIoRedisCommand(commands) }) } },
    setup: ({ io }) => {
      io.adapter(createAdapter(client(), client()));
      io.on('connection', (socket) => socket.emit('welcome', { user: socket.data.principal.subject }));
    },
  });
  const bus = new RedisRevocationBus({
    publish: createIoRedisCommand(commands),
    subscriber: createIoRedisSubscriber(client()),
    registry: server.wsgate.registry,
  });
  await bus.start();
  onTestFinished(async () => {
    await bus.close();
    await server.close();
    await closeAll();
  });
  return { server, bus };
}

async function connectTo(server: TestServer, ticket: string) {
  const socket = clientSocket(server, { ticket });
  await nextEvent(socket, 'welcome');
  return socket;
}

describe('two instances on one Redis', () => {
  it('broadcasts across instances, redeems tickets across them, and a logout on one disconnects sockets on the other', async () => {
    const a = await instance();
    const b = await instance();
    // Issued by A, redeemed by B (one Redis ticket store): still single-use across both.
    const ticket = await ticketFor(a.server, { user: 'alice', session: 's-alice' });
    const aliceOnB = await connectTo(b.server, ticket);
    expect(await rawUpgrade(a.server, `&ticket=${ticket}`)).toMatchObject({ upgraded: false, status: 401 });
    const bobOnA = await connectTo(a.server, await ticketFor(a.server, { user: 'bob', session: 's-bob' }));

    await emitAck(aliceOnB, 'join', { room: 'lobby' });
    await emitAck(bobOnA, 'join', { room: 'lobby' });
    const received = nextEvent(aliceOnB, 'chat');
    expect(await emitAck(bobOnA, 'chat', { room: 'lobby', text: 'across' })).toEqual({ ok: true });
    expect(await received).toMatchObject({ from: 'bob', text: 'across' });

    const exception = nextEvent(aliceOnB, 'exception');
    const gone = disconnection(aliceOnB);
    expect(await a.bus.revokeSession('s-alice', 'logged out')).toMatchObject({ closedLocally: 0 });
    expect(await exception).toEqual({ code: 'UNAUTHENTICATED', message: 'logged out' });
    expect(await gone).toBe('io server disconnect');
    expect(aliceOnB.active).toBe(false);
    // Bob, on the instance that published, is untouched, and broadcasts still flow.
    expect(await emitAck(bobOnA, 'whoami', {})).toMatchObject({ ok: true, user: 'bob' });
    expect(b.server.wsgate.registry.size).toBe(0);
  });

  it('one logout reaches a Socket.IO socket and a ws socket of @wsgate/fastify, on other instances', async () => {
    const a = await instance();
    const b = await instance();
    const app = Fastify({ logger: false });
    onTestFinished(() => app.close());
    await app.register(wsgateFastify, { origins: { allow: [ALLOWED_ORIGIN] } });
    app.get('/ws', { websocket: true, config: { wsgate: { raw: true } } }, (socket) =>
      socket.send('welcome'),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { client, closeAll } = connections();
    const wsBus = new RedisRevocationBus({
      publish: createIoRedisCommand(client()),
      subscriber: createIoRedisSubscriber(client()),
      registry: app.wsgate.registry,
    });
    await wsBus.start();
    onTestFinished(async () => {
      await wsBus.close();
      await closeAll();
    });

    const onB = await connectTo(b.server, await ticketFor(b.server, { user: 'alice', session: 's-alice' }));
    const { ticket } = await app.wsgate.gate.tickets.issue({
      subject: 'alice',
      sessionId: 's-alice',
      ip: '127.0.0.1',
      origin: ALLOWED_ORIGIN,
    });
    const { port } = app.server.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?ticket=${ticket}`, { origin: ALLOWED_ORIGIN });
    onTestFinished(() => ws.terminate());
    await new Promise((resolve) => ws.once('message', resolve));
    const wsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

    const exception = nextEvent(onB, 'exception');
    await a.bus.revokeSession('s-alice', 'logged out');
    expect(await exception).toEqual({ code: 'UNAUTHENTICATED', message: 'logged out' });
    expect(await wsClosed).toBe(4401);
  });
});
