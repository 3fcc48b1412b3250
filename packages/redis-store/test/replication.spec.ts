// waitForReplicas: each take waits for replica acknowledgement (WAIT on a dedicated connection)
// and is refused when the replicas do not confirm in time, against a real primary + replica.
import {
  createTicketService,
  TicketStoreUnavailableError,
  WsGateConfigError,
  type TicketService,
} from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createIoRedisCommand,
  RedisTicketStore,
  type RedisCommand,
  type RedisTicketStoreOptions,
} from '../src/index.js';
import { CLIENT_VARIANTS } from './support/client-majors.js';
import { closeAllClients, eventually, ioredisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { startTcpProxy } from './support/tcp-proxy.js';

const IP = '127.0.0.1';
/** Generous bound: the point is "bounded", not a tight timing. */
const BOUND_MS = 3_000;
let primary: RedisServer;
let replica: RedisServer;
/** A primary that has no replica at all. */
let lonely: RedisServer;
let primaryClient: Redis;
let replicaClient: Redis;

async function replicaInSync(): Promise<boolean> {
  const info = String(await replicaClient.call('INFO', 'replication'));
  return info.includes('master_link_status:up');
}

beforeAll(async () => {
  [primary, lonely] = await Promise.all([startRedisServer(), startRedisServer()]);
  replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] });
  [primaryClient, replicaClient] = await Promise.all([ioredisClient(primary), ioredisClient(replica)]);
  await eventually(replicaInSync, 10_000, 'the replica to sync');
});

beforeEach(async () => {
  await primaryClient.flushdb();
});

afterEach(() => {
  replica.resume();
});

afterAll(async () => {
  await closeAllClients();
  await Promise.all([replica?.stop(), primary?.stop(), lonely?.stop()]);
});

/** A command that counts the WAITs it sends. */
function counting(command: RedisCommand): { command: RedisCommand; waits: () => number } {
  let waits = 0;
  return {
    command: (args) => {
      if (args[0] === 'WAIT') waits += 1;
      return command(args);
    },
    waits: () => waits,
  };
}

async function service(
  server: RedisServer,
  options: Partial<RedisTicketStoreOptions> & { dedicated?: RedisCommand } = {},
): Promise<{ tickets: TicketService; waits: () => number }> {
  const { dedicated, ...rest } = options;
  const spy = counting(dedicated ?? createIoRedisCommand(await ioredisClient(server)));
  const store = new RedisTicketStore({
    command: createIoRedisCommand(await ioredisClient(server)),
    waitForReplicas: { command: spy.command, replicas: 1, timeoutMs: 200 },
    ...rest,
  });
  return { tickets: createTicketService({ store }), waits: spy.waits };
}

async function expectRefusedInTime(redeem: Promise<unknown>): Promise<void> {
  const started = Date.now();
  const error = await redeem.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(TicketStoreUnavailableError);
  expect(error).toMatchObject({ code: 'WSGATE_STORE_UNAVAILABLE', statusCode: 503 });
  expect(Date.now() - started).toBeLessThan(BOUND_MS);
}

describe('waitForReplicas', () => {
  it('accepts a take the replica acknowledged; the ticket is gone on the replica too', async () => {
    const { tickets, waits } = await service(primary);
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    expect((await tickets.redeem(ticket, { ip: IP })).ok).toBe(true);
    expect(waits()).toBe(1);
    expect(await replicaClient.dbsize()).toBe(0);
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'unknown' });
    // A take that found nothing wrote nothing: no WAIT.
    expect(waits()).toBe(1);
  });

  it.each(CLIENT_VARIANTS.map((variant) => [variant.name, variant] as const))(
    'works with %s as the dedicated connection',
    async (_name, variant) => {
      const { tickets } = await service(primary, { dedicated: await variant.command(primary) });
      const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
      expect((await tickets.redeem(ticket, { ip: IP })).ok).toBe(true);
    },
  );

  it('refuses the take within the bound while the replica is frozen (SIGSTOP); the ticket is still gone from the primary', async () => {
    const { tickets } = await service(primary);
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    const [key] = await primaryClient.keys('wsgate:t:???????????????????????????????????????????');
    expect(key).toBeDefined();
    replica.pause();
    await expectRefusedInTime(tickets.redeem(ticket, { ip: IP }));
    expect(await primaryClient.exists(key!)).toBe(0);
    // Burnt: never accepted later either.
    replica.resume();
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'unknown' });
    // And the store works again once the replica acknowledges.
    const next = await tickets.issue({ subject: 'alice', ip: IP });
    await eventually(
      async () =>
        tickets.redeem(next.ticket, { ip: IP }).then(
          (result) => result.ok,
          () => false,
        ),
      5_000,
      'a redeem to be accepted again',
    );
  });

  it('refuses every take within the bound when no replica is attached, and burns the ticket', async () => {
    const { tickets } = await service(lonely);
    const lonelyClient = await ioredisClient(lonely);
    await lonelyClient.flushdb();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    await expectRefusedInTime(tickets.redeem(ticket, { ip: IP }));
    expect(await lonelyClient.dbsize()).toBe(0);
  });

  it('shares one WAIT among takes sent together (group commit)', async () => {
    const { tickets, waits } = await service(primary);
    // Load the take script first: the first EVALSHA of a fresh cache costs an extra EVAL.
    const warm = await tickets.issue({ subject: 'warm', ip: IP });
    await tickets.redeem(warm.ticket, { ip: IP });
    const before = waits();
    const issued = await Promise.all(
      Array.from({ length: 50 }, (_, index) => tickets.issue({ subject: `user-${index}`, ip: IP })),
    );
    const results = await Promise.all(issued.map(({ ticket }) => tickets.redeem(ticket, { ip: IP })));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(waits() - before).toBe(1);
  });

  it('keeps a failover from bringing a redeemed ticket back: without it the ticket is accepted twice', async () => {
    // A pair of its own, replicating through a proxy that the test cuts: the replication
    // stream stops reaching the replica, as in a partition before a failover.
    const oldPrimary = await startRedisServer();
    const link = await startTcpProxy(oldPrimary);
    const standby = await startRedisServer({ extraArgs: ['--replicaof', link.host, String(link.port)] });
    try {
      const standbyClient = await ioredisClient(standby);
      await eventually(
        async () => String(await standbyClient.call('INFO', 'replication')).includes('master_link_status:up'),
        10_000,
        'the standby to sync',
      );
      const plain = createTicketService({
        store: new RedisTicketStore({ command: createIoRedisCommand(await ioredisClient(oldPrimary)) }),
      });
      const { tickets: waiting } = await service(oldPrimary);
      const t1 = (await plain.issue({ subject: 'alice', ip: IP })).ticket;
      const t2 = (await plain.issue({ subject: 'bob', ip: IP })).ticket;
      await eventually(
        async () => (await standbyClient.dbsize()) >= 4,
        5_000,
        'the standby to hold both tickets',
      );

      link.cut();
      // Without waitForReplicas the take is accepted; with it, refused (nobody acknowledged).
      expect((await plain.redeem(t1, { ip: IP })).ok).toBe(true);
      await expectRefusedInTime(waiting.redeem(t2, { ip: IP }));

      // Fail over: the old primary dies, the standby is promoted.
      await oldPrimary.kill();
      expect(await standbyClient.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
      const promoted = createTicketService({
        store: new RedisTicketStore({ command: createIoRedisCommand(standbyClient) }),
      });
      // t1 was accepted on the old primary and is accepted again: single use broken.
      expect((await promoted.redeem(t1, { ip: IP })).ok).toBe(true);
      // t2 was refused on the old primary, so it is accepted once in all, here.
      expect((await promoted.redeem(t2, { ip: IP })).ok).toBe(true);
      expect((await promoted.redeem(t2, { ip: IP })).ok).toBe(false);
    } finally {
      await link.close();
      await Promise.all([standby.stop(), oldPrimary.stop()]);
    }
  });

  it('validates its options once, in the constructor', () => {
    const command: RedisCommand = async () => null;
    const invalid: unknown[] = [
      null,
      'yes',
      {},
      { command: 'redis' },
      { command, replicas: 0 },
      { command, timeoutMs: 0 },
      { command, timeoutMs: 1_000 },
      { command, timeoutMs: 2_000 },
    ];
    for (const waitForReplicas of invalid) {
      expect(() => new RedisTicketStore({ command, waitForReplicas } as never)).toThrow(WsGateConfigError);
    }
    expect(() => new RedisTicketStore({ command, waitForReplicas: { command } })).not.toThrow();
    expect(
      () =>
        new RedisTicketStore({
          command,
          commandTimeoutMs: 3_000,
          waitForReplicas: { command, timeoutMs: 2_000 },
        }),
    ).not.toThrow();
  });
});
