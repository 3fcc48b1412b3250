import { MemoryTicketStore } from '@wsgate/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import {
  createIoRedisCommand,
  createNodeRedisCommand,
  RedisTicketStore,
  type RedisCommand,
  type TakeStrategy,
} from '../src/index.js';
import { closeAllClients, ioredisClient, nodeRedisClient, type NodeRedisClient } from './support/clients.js';
import { dumpRedis } from './support/redis-dump.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import {
  describeTicketStoreConformance,
  type ConformanceClock,
  type MakeConformanceStore,
} from './support/ticket-store-conformance.js';

let server: RedisServer;
let ioredis: Redis;
let nodeRedis: NodeRedisClient;

beforeAll(async () => {
  server = await startRedisServer();
  ioredis = await ioredisClient(server);
  nodeRedis = await nodeRedisClient(server);
});

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
});

// Memory store: a fake clock, moved by hand.
let fakeNow = 1_700_000_000_000;
const fakeClock: ConformanceClock = {
  now: () => fakeNow,
  pass: async (ms) => {
    fakeNow += ms;
  },
};
describeTicketStoreConformance(
  'MemoryTicketStore',
  ({ maxPerSubject }) => ({
    store: new MemoryTicketStore({ maxPerSubject, sweepIntervalMs: 0, clock: fakeClock.now }),
  }),
  fakeClock,
);

// Redis stores: expiry is Redis's own clock, so time really passes.
const realClock: ConformanceClock = { now: () => Date.now(), pass: (ms) => sleep(ms).then(() => undefined) };

function redisStore(command: () => RedisCommand, takeStrategy: TakeStrategy): MakeConformanceStore {
  return async ({ maxPerSubject }) => {
    await command()(['FLUSHDB']);
    return {
      store: new RedisTicketStore({ command: command(), maxPerSubject, takeStrategy }),
      dump: () => dumpRedis(command()),
    };
  };
}

describeTicketStoreConformance(
  'RedisTicketStore (ioredis, GETDEL)',
  redisStore(() => createIoRedisCommand(ioredis), 'getdel'),
  realClock,
);
describeTicketStoreConformance(
  'RedisTicketStore (ioredis, Lua take)',
  redisStore(() => createIoRedisCommand(ioredis), 'lua'),
  realClock,
);
describeTicketStoreConformance(
  'RedisTicketStore (node-redis, auto)',
  redisStore(() => createNodeRedisCommand(nodeRedis), 'auto'),
  realClock,
);
