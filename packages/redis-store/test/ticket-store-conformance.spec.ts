import { MemoryTicketStore } from '@wsgate/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { RedisTicketStore, type RedisCommand } from '../src/index.js';
import { CLIENT_VARIANTS } from './support/client-majors.js';
import { closeAllClients } from './support/clients.js';
import { dumpRedis } from './support/redis-dump.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import {
  describeTicketStoreConformance,
  type ConformanceClock,
  type MakeConformanceStore,
} from './support/ticket-store-conformance.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
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

// Redis stores: expiry is Redis's own clock, so time really passes. One run per client major.
const realClock: ConformanceClock = { now: () => Date.now(), pass: (ms) => sleep(ms).then(() => undefined) };

function redisStore(command: () => RedisCommand): MakeConformanceStore {
  return async ({ maxPerSubject }) => {
    await command()(['FLUSHDB']);
    return {
      store: new RedisTicketStore({ command: command(), maxPerSubject }),
      dump: () => dumpRedis(command()),
    };
  };
}

for (const variant of CLIENT_VARIANTS) {
  let command: RedisCommand | undefined;
  beforeAll(async () => {
    command = await variant.command(server);
  });
  describeTicketStoreConformance(
    `RedisTicketStore (${variant.name})`,
    redisStore(() => command!),
    realClock,
  );
}
