// Logout across instances: two buses on one Redis, once per client major (and RESP version).
import { createConnectionRegistry, WsGateConfigError } from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  createNodeRedisSubscriber,
  RedisRevocationBus,
  RevocationBusClosedError,
  RevocationBusUnavailableError,
} from '../src/index.js';
import {
  CLIENT_VARIANT_ROWS,
  CLIENT_VARIANTS,
  type ClientTuning,
  type ClientVariant,
} from './support/client-majors.js';
import { closeAllClients, eventually, ioredisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { closeAllBuses, closedWith, makeInstance, type Instance } from './support/revocation-instances.js';

let server: RedisServer;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  raw = await ioredisClient(server);
});

afterEach(async () => {
  await closeAllBuses();
  // Every client of the test too: a test that failed half-way (a wait timed out while Redis
  // restarted) must not leave a subscriber behind that the next test counts as a receiver.
  await closeAllClients();
  if (!server.running) await server.start();
  raw = await ioredisClient(server);
});

/** Waits until the raw test client has reconnected after a restart. */
function rawReady(): Promise<void> {
  return eventually(() => raw.status === 'ready', 5_000, 'the raw client to reconnect');
}

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
});

async function instanceOf(variant: ClientVariant, tuning?: ClientTuning): Promise<Instance> {
  return makeInstance(await variant.command(server, tuning), await variant.subscriber(server, tuning));
}

async function twoInstances(variant: ClientVariant): Promise<[Instance, Instance]> {
  const a = await instanceOf(variant);
  const b = await instanceOf(variant);
  await Promise.all([a.bus.start(), b.bus.start()]);
  return [a, b];
}

describe.each(CLIENT_VARIANT_ROWS)('RedisRevocationBus (%s)', (_name, variant) => {
  it('revokeSession on A closes the matching connections on B with 4401 within 1 s, and A applies it once', async () => {
    const [a, b] = await twoInstances(variant);
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
    const [a, b] = await twoInstances(variant);
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
    const [a, b] = await twoInstances(variant);
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
      '{"v":1,"kind":"session","id":"s-1","from":"x","entry":"not-an-id"}',
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
    const [a, b] = await twoInstances(variant);
    const aliceOnB = b.connect('alice', 's-1');
    const bobOnA = a.connect('bob', 's-2');

    await server.kill();
    await eventually(
      () =>
        a.logged('warn', 'revocation bus disconnected') > 0 &&
        b.logged('warn', 'revocation bus disconnected') > 0,
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
        a.logged('info', 'revocation bus resubscribed') > 0 &&
        b.logged('info', 'revocation bus resubscribed') > 0,
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

  it('start() rejects with RevocationBusUnavailableError while Redis is down and succeeds once it is back', async () => {
    const instance = await instanceOf(variant);
    await server.kill();
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
    const [a, b] = await twoInstances(variant);
    const onB = b.connect('alice', 's-1');
    await b.bus.close();
    await b.bus.close();
    await a.bus.revokeSession('s-1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(onB.close).not.toHaveBeenCalled();
    await expect(b.bus.revokeSession('s-1')).rejects.toBeInstanceOf(RevocationBusClosedError);
    await expect(b.bus.start()).rejects.toBeInstanceOf(RevocationBusClosedError);
  });
});

describe('RedisRevocationBus across client families', () => {
  it('delivers between an ioredis instance and a node-redis instance, both ways', async () => {
    const ioredis = CLIENT_VARIANTS.find((variant) => variant.family === 'ioredis')!;
    const nodeRedis = CLIENT_VARIANTS.find((variant) => variant.family === 'node-redis')!;
    const a = await instanceOf(ioredis);
    const b = await instanceOf(nodeRedis);
    await Promise.all([a.bus.start(), b.bus.start()]);
    const onA = a.connect('alice', 's-1');
    const onB = b.connect('bob', 's-2');
    await a.bus.revokeSubject('bob');
    await b.bus.revokeSubject('alice');
    await eventually(() => closedWith(onA)() && closedWith(onB)(), 1_000, 'both to apply');
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
      createIoRedisSubscriber(await ioredisClient(server, { autoResubscribe: false })),
    );
    await noAuto.bus.start();
    const connection = noAuto.connect('erin', 's-5');

    await server.restart();
    await eventually(
      () => noAuto.logged('info', 'revocation bus resubscribed') > 0,
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

  it('validates its input and options', async () => {
    const [a] = await twoInstances(CLIENT_VARIANTS[0]!);
    await expect(a.bus.revokeSession('')).rejects.toBeInstanceOf(WsGateConfigError);
    await expect(a.bus.revokeSubject('alice', 'r'.repeat(124))).rejects.toBeInstanceOf(WsGateConfigError);
    const subscriber = createIoRedisSubscriber(raw);
    const registry = createConnectionRegistry();
    const publish = a.publish;
    const invalid: Record<string, unknown>[] = [
      { channel: '' },
      { commandTimeoutMs: 0 },
      { subscriber: {} },
      { registry: {} },
      { stream: true },
      { stream: null },
      { stream: { key: '' } },
      { stream: { maxLength: 0 } },
      { stream: { maxAgeMs: 1.5 } },
      { stream: { replayRetryMs: -1 } },
    ];
    for (const options of invalid) {
      expect(() => new RedisRevocationBus({ publish, subscriber, registry, ...options } as never)).toThrow(
        WsGateConfigError,
      );
    }
    expect(() => new RedisRevocationBus({ publish, subscriber, registry, stream: false })).not.toThrow();
    expect(() => createNodeRedisSubscriber({} as never)).toThrow(WsGateConfigError);
  });
});
