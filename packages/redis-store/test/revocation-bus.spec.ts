// Logout across instances: two buses (an ioredis and a node-redis subscriber) on one Redis.
import {
  CloseCode,
  createConnectionRegistry,
  WsGateConfigError,
  type ConnectionRegistry,
} from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type Mock } from 'vitest';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  createNodeRedisCommand,
  createNodeRedisSubscriber,
  RedisRevocationBus,
  RevocationBusClosedError,
  RevocationBusUnavailableError,
  type RedisCommand,
} from '../src/index.js';
import { closeAllClients, eventually, ioredisClient, nodeRedisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

interface FakeConnection {
  close: Mock<(code?: number, reason?: string) => void>;
}

interface Instance {
  bus: RedisRevocationBus;
  registry: ConnectionRegistry<FakeConnection>;
  publish: RedisCommand;
  logger: {
    info: Mock<(message: string) => void>;
    warn: Mock<(message: string) => void>;
    error: Mock<(message: string) => void>;
  };
  connect(subject: string, sessionId?: string): FakeConnection;
}

let server: RedisServer;
let raw: Redis;
const buses: RedisRevocationBus[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  raw = await ioredisClient(server);
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  if (!server.running) await server.start();
  await rawReady();
});

/** Waits until the raw test client has reconnected after a restart. */
function rawReady(): Promise<void> {
  return eventually(() => raw.status === 'ready', 5_000, 'the raw client to reconnect');
}

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
});

function makeInstance(
  publish: RedisCommand,
  subscriber: Parameters<typeof createIoRedisSubscriber>[0] | undefined,
  nodeSubscriber?: Parameters<typeof createNodeRedisSubscriber>[0],
): Instance {
  const registry = createConnectionRegistry<FakeConnection>();
  const logger = {
    info: vi.fn<(message: string) => void>(),
    warn: vi.fn<(message: string) => void>(),
    error: vi.fn<(message: string) => void>(),
  };
  const bus = new RedisRevocationBus({
    publish,
    subscriber:
      subscriber !== undefined
        ? createIoRedisSubscriber(subscriber)
        : createNodeRedisSubscriber(nodeSubscriber!),
    registry,
    logger,
  });
  buses.push(bus);
  return {
    bus,
    registry,
    publish,
    logger,
    connect(subject, sessionId) {
      const connection: FakeConnection = { close: vi.fn<(code?: number, reason?: string) => void>() };
      registry.add({ subject, sessionId }, connection);
      return connection;
    },
  };
}

/** Instance A: ioredis for publish and subscribe. Instance B: node-redis for both. */
async function twoInstances(): Promise<[Instance, Instance]> {
  const a = makeInstance(createIoRedisCommand(await ioredisClient(server)), await ioredisClient(server));
  const b = makeInstance(
    createNodeRedisCommand(await nodeRedisClient(server)),
    undefined,
    await nodeRedisClient(server),
  );
  await Promise.all([a.bus.start(), b.bus.start()]);
  return [a, b];
}

const closedWith = (connection: FakeConnection, reason?: string) => () =>
  connection.close.mock.calls.some(
    ([code, why]) => code === CloseCode.Unauthorized && (reason === undefined || why === reason),
  );

describe('RedisRevocationBus', () => {
  it('revokeSession on A closes the matching connections on B with 4401 within 1 s, and A applies it once', async () => {
    const [a, b] = await twoInstances();
    const onA = a.connect('alice', 's-1');
    const onB = b.connect('alice', 's-1');
    const otherSessionOnB = b.connect('alice', 's-2');
    const otherUserOnB = b.connect('bob', 's-3');

    const result = await a.bus.revokeSession('s-1', 'logged out');
    expect(result).toEqual({ closedLocally: 1, receivers: 2 });
    await eventually(closedWith(onB, 'logged out'), 1_000, 'B to close the session');
    expect(onA.close).toHaveBeenCalledWith(4401, 'logged out');

    await new Promise((resolve) => setTimeout(resolve, 100)); // A's own message has arrived by now
    expect(onA.close).toHaveBeenCalledTimes(1);
    expect(onB.close).toHaveBeenCalledTimes(1);
    expect(otherSessionOnB.close).not.toHaveBeenCalled();
    expect(otherUserOnB.close).not.toHaveBeenCalled();
  });

  it('revokeSubject on B closes every connection of the subject on A within 1 s', async () => {
    const [a, b] = await twoInstances();
    const first = a.connect('alice', 's-1');
    const second = a.connect('alice', 's-2');
    const bob = a.connect('bob', 's-3');

    const result = await b.bus.revokeSubject('alice');
    expect(result.closedLocally).toBe(0);
    await eventually(
      () => closedWith(first, 'subject revoked')() && closedWith(second, 'subject revoked')(),
      1_000,
      'A to close alice',
    );
    expect(bob.close).not.toHaveBeenCalled();
  });

  it('ignores malformed channel messages safely and keeps working', async () => {
    const [a, b] = await twoInstances();
    const onB = b.connect('alice', 's-1');
    const junk = [
      'not json',
      '[]',
      'null',
      '{"v":2,"kind":"session","id":"s-1","from":"x"}',
      '{"v":1,"kind":"everyone","id":"s-1","from":"x"}',
      '{"v":1,"kind":"session","id":"","from":"x"}',
      '{"v":1,"kind":"session","id":42,"from":"x"}',
      '{"v":1,"kind":"session","id":"s-1"}',
      `{"v":1,"kind":"session","id":"s-1","from":"x","reason":"${'r'.repeat(200)}"}`,
      '{"v":1,"kind":"session","id":"s-1","from":"x","__proto__":{"polluted":true}}',
      '{"v":1,"kind":"session","id":{"nested":{"deep":1}},"from":"x"}',
      'x'.repeat(10_000),
    ];
    for (const message of junk) await raw.publish(b.bus.channel, message);
    await eventually(
      () => b.logger.warn.mock.calls.length >= junk.length,
      1_000,
      'B to see every junk message',
    );
    expect(b.logger.warn).toHaveBeenCalledWith('revocation bus ignored a malformed message');
    expect(onB.close).not.toHaveBeenCalled();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    // A well-formed message from a third instance still applies.
    await raw.publish(b.bus.channel, JSON.stringify({ v: 1, kind: 'session', id: 's-1', from: 'elsewhere' }));
    await eventually(closedWith(onB), 1_000, 'B to apply a valid message');
    await a.bus.close();
  });

  it('survives a Redis restart: logs disconnect and resubscribe, then delivers again both ways', async () => {
    const [a, b] = await twoInstances();
    const aliceOnB = b.connect('alice', 's-1');
    const bobOnA = a.connect('bob', 's-2');

    await server.kill();
    await eventually(
      () =>
        a.logger.warn.mock.calls.some(([m]) => m === 'revocation bus disconnected') &&
        b.logger.warn.mock.calls.some(([m]) => m === 'revocation bus disconnected'),
      5_000,
      'both buses to log the disconnect',
    );

    // While Redis is down: the revocation applies locally, the publish fails with a typed error.
    const localOnly = a.connect('carol', 's-9');
    await expect(a.bus.revokeSession('s-9')).rejects.toBeInstanceOf(RevocationBusUnavailableError);
    expect(localOnly.close).toHaveBeenCalledWith(4401, 'session revoked');

    await server.start();
    await eventually(
      () =>
        a.logger.info.mock.calls.some(([m]) => m === 'revocation bus resubscribed') &&
        b.logger.info.mock.calls.some(([m]) => m === 'revocation bus resubscribed'),
      5_000,
      'both buses to log the resubscription',
    );

    await eventually(
      async () =>
        a.bus.revokeSession('s-1', 'after restart').then(
          () => true,
          () => false,
        ),
      5_000,
      'A to publish again',
    );
    await eventually(closedWith(aliceOnB, 'after restart'), 1_000, 'B to close alice after the restart');
    await eventually(
      async () =>
        b.bus.revokeSubject('bob').then(
          () => true,
          () => false,
        ),
      5_000,
      'B to publish again',
    );
    await eventually(closedWith(bobOnA), 1_000, 'A to close bob after the restart');
  });

  it('resubscribes after a restart with ioredis autoResubscribe on (its default) and off (the adapter does it)', async () => {
    // ioredis alone, no adapter: autoResubscribe brings the subscription back by itself.
    const plain = await ioredisClient(server);
    const plainMessages: string[] = [];
    plain.on('message', (_channel: string, message: string) => plainMessages.push(message));
    await plain.subscribe('wsgate:revocations');
    // A bus whose subscriber connection has autoResubscribe off: the adapter resubscribes.
    const noAuto = makeInstance(
      createIoRedisCommand(await ioredisClient(server)),
      await ioredisClient(server, { autoResubscribe: false }),
    );
    await noAuto.bus.start();
    const connection = noAuto.connect('erin', 's-5');

    await server.restart();
    await eventually(
      () => noAuto.logger.info.mock.calls.some(([m]) => m === 'revocation bus resubscribed'),
      5_000,
      'the bus to resubscribe',
    );
    await eventually(
      async () =>
        Number(
          ((await raw.call('PUBSUB', 'NUMSUB', 'wsgate:revocations').catch(() => [])) as unknown[])[1],
        ) === 2,
      5_000,
      'both connections to be subscribed',
    );
    await raw.publish(
      'wsgate:revocations',
      JSON.stringify({ v: 1, kind: 'subject', id: 'erin', from: 'elsewhere' }),
    );
    await eventually(closedWith(connection), 1_000, 'the bus to apply a revocation');
    await eventually(() => plainMessages.length === 1, 1_000, 'plain ioredis to receive the message');
  });

  it('start() rejects with RevocationBusUnavailableError while Redis is down and succeeds once it is back', async () => {
    const subscriberClient = await ioredisClient(server);
    const publishClient = await ioredisClient(server);
    await server.kill();
    const instance = makeInstance(createIoRedisCommand(publishClient), subscriberClient);
    await expect(instance.bus.start()).rejects.toBeInstanceOf(RevocationBusUnavailableError);
    await server.start();
    await eventually(
      async () =>
        instance.bus.start().then(
          () => true,
          () => false,
        ),
      5_000,
      'start() to succeed',
    );
    const connection = instance.connect('dave', 's-4');
    await rawReady();
    await raw.publish(
      instance.bus.channel,
      JSON.stringify({ v: 1, kind: 'subject', id: 'dave', from: 'elsewhere' }),
    );
    await eventually(closedWith(connection), 1_000, 'the late-started bus to apply a revocation');
  });

  it('stops applying revocations after close(), and refuses to publish', async () => {
    const [a, b] = await twoInstances();
    const onB = b.connect('alice', 's-1');
    await b.bus.close();
    await b.bus.close();
    await a.bus.revokeSession('s-1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(onB.close).not.toHaveBeenCalled();
    await expect(b.bus.revokeSession('s-1')).rejects.toBeInstanceOf(RevocationBusClosedError);
    await expect(b.bus.start()).rejects.toBeInstanceOf(RevocationBusClosedError);
  });

  it('validates its input and options', async () => {
    const [a] = await twoInstances();
    await expect(a.bus.revokeSession('')).rejects.toBeInstanceOf(WsGateConfigError);
    await expect(a.bus.revokeSubject('alice', 'r'.repeat(124))).rejects.toBeInstanceOf(WsGateConfigError);
    const subscriber = createIoRedisSubscriber(raw);
    const registry = createConnectionRegistry();
    expect(() => new RedisRevocationBus({ publish: a.publish, subscriber, registry, channel: '' })).toThrow(
      WsGateConfigError,
    );
    expect(
      () => new RedisRevocationBus({ publish: a.publish, subscriber, registry, commandTimeoutMs: 0 }),
    ).toThrow(WsGateConfigError);
    expect(() => new RedisRevocationBus({ publish: a.publish, subscriber: {} as never, registry })).toThrow(
      WsGateConfigError,
    );
    expect(() => new RedisRevocationBus({ publish: a.publish, subscriber, registry: {} as never })).toThrow(
      WsGateConfigError,
    );
    expect(() => createNodeRedisSubscriber({} as never)).toThrow(WsGateConfigError);
  });
});
