// Redis down, frozen or slow: the store fails closed in bounded time, never hangs, never crashes,
// recovers by itself, and never lets a ticket be redeemed twice.
import {
  createTicketService,
  TicketStoreUnavailableError,
  type RedeemResult,
  type TicketService,
} from '@wsgate/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createIoRedisCommand,
  createNodeRedisCommand,
  RedisTicketStore,
  type RedisCommand,
} from '../src/index.js';
import { closeAllClients, eventually, ioredisClient, nodeRedisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const IP = '127.0.0.1';
/** Generous bound: the point is "bounded", not a tight timing. */
const BOUND_MS = 3_000;

let server: RedisServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startRedisServer({ extraArgs: ['--enable-debug-command', 'yes'] });
});

afterEach(async () => {
  server.resume();
  if (!server.running) await server.start();
});

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
  process.removeListener('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** Runs `operation`, expecting a TicketStoreUnavailableError within BOUND_MS. */
async function expectUnavailable(operation: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(operation()).rejects.toBeInstanceOf(TicketStoreUnavailableError);
  const elapsed = Date.now() - started;
  expect(elapsed).toBeLessThan(BOUND_MS);
  return elapsed;
}

function countOk(results: RedeemResult[]): number {
  return results.filter((result) => result.ok).length;
}

const clients: [string, () => Promise<RedisCommand>][] = [
  ['ioredis', async () => createIoRedisCommand(await ioredisClient(server))],
  ['node-redis', async () => createNodeRedisCommand(await nodeRedisClient(server))],
];

describe('errors', () => {
  it('carries code WSGATE_STORE_UNAVAILABLE, HTTP 503 and close code 1013, with the cause', async () => {
    const store = new RedisTicketStore({ command: () => Promise.reject(new Error('ECONNREFUSED')) });
    const error = await store.take('k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TicketStoreUnavailableError);
    expect(error).toMatchObject({ code: 'WSGATE_STORE_UNAVAILABLE', statusCode: 503, closeCode: 1013 });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('rejects in time when the command function throws synchronously or never settles', async () => {
    const throwing = new RedisTicketStore({
      command: () => {
        throw new Error('boom');
      },
    });
    await expectUnavailable(() => throwing.take('k'));
    const hanging = new RedisTicketStore({
      command: () => new Promise(() => undefined),
      commandTimeoutMs: 50,
    });
    await expectUnavailable(() => hanging.put('k', { v: 1, subject: 'a', issuedAt: 0, expiresAt: 1 }, 1_000));
  });
});

describe.each(clients)('Redis killed and restarted (%s)', (_name, makeCommand) => {
  it('rejects with TicketStoreUnavailableError while down, recovers without a new store, never redeems twice', async () => {
    const store = new RedisTicketStore({ command: await makeCommand(), commandTimeoutMs: 500 });
    const tickets: TicketService = createTicketService({ store });
    const redeemed = new Map<string, RedeemResult[]>();
    const redeem = async (ticket: string) => {
      const result = await tickets.redeem(ticket, { ip: IP });
      redeemed.set(ticket, [...(redeemed.get(ticket) ?? []), result]);
      return result;
    };

    const t1 = (await tickets.issue({ subject: 'alice', ip: IP })).ticket;
    const t2 = (await tickets.issue({ subject: 'alice', ip: IP })).ticket;
    expect((await redeem(t1)).ok).toBe(true);

    await server.kill();
    await expectUnavailable(() => redeem(t1));
    await expectUnavailable(() => redeem(t2));
    await expectUnavailable(() => tickets.issue({ subject: 'alice', ip: IP }));
    await expectUnavailable(() => store.take('any-key'));

    await server.start();
    // Same store, same client: it works again once the client has reconnected.
    await eventually(
      async () =>
        await store.take('probe').then(
          () => true,
          () => false,
        ),
      5_000,
      'the store to recover',
    );
    // The restarted Redis kept nothing (no persistence): old tickets fail closed.
    expect((await redeem(t1)).ok).toBe(false);
    expect((await redeem(t2)).ok).toBe(false);
    const t3 = (await tickets.issue({ subject: 'alice', ip: IP })).ticket;
    expect((await redeem(t3)).ok).toBe(true);
    expect((await redeem(t3)).ok).toBe(false);

    for (const results of redeemed.values()) expect(countOk(results)).toBeLessThanOrEqual(1);
    await tickets.close();
  });
});

describe('Redis not answering', () => {
  it('bounds every call by commandTimeoutMs even with a client that queues while offline (ioredis defaults)', async () => {
    // Default ioredis settings: offline queue on, 20 retries per request. The store still answers in time.
    const client = new Redis({
      host: server.host,
      port: server.port,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisTicketStore({ command: createIoRedisCommand(client), commandTimeoutMs: 300 });
    try {
      await server.kill();
      const elapsed = await expectUnavailable(() => store.take('k'));
      expect(elapsed).toBeGreaterThanOrEqual(250);
      await server.start();
      await eventually(
        async () =>
          await store.take('probe').then(
            () => true,
            () => false,
          ),
        5_000,
        'the store to recover',
      );
    } finally {
      client.disconnect();
    }
  });

  it('fails closed when Redis is frozen (SIGSTOP) and still redeems a ticket at most once after it thaws', async () => {
    const store = new RedisTicketStore({
      command: createIoRedisCommand(await ioredisClient(server)),
      commandTimeoutMs: 300,
    });
    const tickets = createTicketService({ store });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });

    server.pause();
    await expectUnavailable(() => tickets.redeem(ticket, { ip: IP }));
    server.resume();

    // The timed-out take may still have run on the server: the ticket is burnt, never handed out twice.
    const after = [await tickets.redeem(ticket, { ip: IP }), await tickets.redeem(ticket, { ip: IP })];
    expect(countOk(after)).toBeLessThanOrEqual(1);
    expect(after[1]!.ok).toBe(false);
  });

  it('rejects a take with TicketStoreUnavailableError while Redis is busy (DEBUG SLEEP 2)', async () => {
    const blocker = await ioredisClient(server, { enableOfflineQueue: true, maxRetriesPerRequest: null });
    const store = new RedisTicketStore({
      command: createIoRedisCommand(await ioredisClient(server)),
      commandTimeoutMs: 200,
    });
    await store.put(
      'k',
      { v: 1, subject: 'alice', issuedAt: Date.now(), expiresAt: Date.now() + 10_000 },
      10_000,
    );

    const probe = await ioredisClient(server, { enableOfflineQueue: true, maxRetriesPerRequest: null });
    const sleeping = blocker.call('DEBUG', 'SLEEP', '2');
    sleeping.catch(() => undefined);
    // Wait until the server really sleeps: a PING from a third connection stops answering.
    await eventually(
      () =>
        Promise.race([
          probe.ping().then(() => false),
          new Promise<boolean>((resolve) => setTimeout(resolve, 100, true)),
        ]),
      1_500,
      'DEBUG SLEEP to block the server',
    );
    const elapsed = await expectUnavailable(() => store.take('k'));
    expect(elapsed).toBeLessThan(1_500);
    // Keep this test last: the sleep is not waited out, afterAll kills the server.
  });
});
