// Two "instances" (two clients, two stores, two ticket services) sharing one Redis.
import { createTicketService, type TicketService } from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createIoRedisCommand,
  createNodeRedisCommand,
  RedisTicketStore,
  type RedisCommand,
} from '../src/index.js';
import { closeAllClients, ioredisClient, nodeRedisClient, type NodeRedisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const IP = '203.0.113.7';
const ORIGIN = 'https://app.example.com';

let server: RedisServer;
let clientA: Redis;
let clientB: Redis;
let nodeClient: NodeRedisClient;
const services: TicketService[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  [clientA, clientB, nodeClient] = await Promise.all([
    ioredisClient(server),
    ioredisClient(server),
    nodeRedisClient(server),
  ]);
});

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
});

beforeEach(async () => {
  await clientA.flushdb();
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

function instance(
  command: RedisCommand,
  options: { prefix?: string; maxPerSubject?: number } = {},
): TicketService {
  const service = createTicketService({ store: new RedisTicketStore({ command, ...options }) });
  services.push(service);
  return service;
}

describe('tickets shared by several instances through Redis', () => {
  it('redeems a ticket issued on instance A exactly once on instance B', async () => {
    const a = instance(createIoRedisCommand(clientA));
    const b = instance(createIoRedisCommand(clientB));
    const { ticket } = await a.issue({
      subject: 'alice',
      sessionId: 's-1',
      claims: { role: 'admin' },
      ip: IP,
      origin: ORIGIN,
    });

    const first = await b.redeem(ticket, { ip: IP, origin: ORIGIN });
    expect(first).toMatchObject({
      ok: true,
      principal: { subject: 'alice', sessionId: 's-1', claims: { role: 'admin' } },
    });
    expect(await b.redeem(ticket, { ip: IP, origin: ORIGIN })).toEqual({ ok: false, reason: 'unknown' });
    expect(await a.redeem(ticket, { ip: IP, origin: ORIGIN })).toEqual({ ok: false, reason: 'unknown' });
  });

  it('lets exactly one of 50 parallel redeems split across two clients succeed', async () => {
    const a = instance(createIoRedisCommand(clientA));
    const b = instance(createIoRedisCommand(clientB));
    const { ticket } = await a.issue({ subject: 'alice', ip: IP, origin: ORIGIN });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? a : b).redeem(ticket, { ip: IP, origin: ORIGIN }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === 'unknown')).toHaveLength(49);
  });

  it('lets exactly one of 50 parallel redeems split across ioredis and node-redis succeed', async () => {
    const a = instance(createIoRedisCommand(clientA));
    const b = instance(createNodeRedisCommand(nodeClient));
    const { ticket } = await b.issue({ subject: 'bob', ip: IP });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? a : b).redeem(ticket, { ip: IP })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('still burns a ticket presented from the wrong address, for every instance', async () => {
    const a = instance(createIoRedisCommand(clientA));
    const b = instance(createIoRedisCommand(clientB));
    const { ticket } = await a.issue({ subject: 'alice', ip: IP });
    expect(await b.redeem(ticket, { ip: '198.51.100.1' })).toEqual({ ok: false, reason: 'ip_mismatch' });
    expect(await a.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'unknown' });
  });
});

describe('Redis layout', () => {
  it('keeps tickets under wsgate:t:<sha256> and the subject set under wsgate:t:s:<subject> by default', async () => {
    const a = instance(createIoRedisCommand(clientA));
    const { ticket } = await a.issue({ subject: 'alice', ip: IP });
    const keys = await clientA.keys('*');
    expect(keys).toHaveLength(2);
    expect(keys).toContain('wsgate:t:s:alice');
    const ticketKey = keys.find((key) => key !== 'wsgate:t:s:alice')!;
    expect(ticketKey).toMatch(/^wsgate:t:[A-Za-z0-9_-]{43}$/);
    expect(ticketKey).not.toContain(ticket);
    const ttl = await clientA.pttl(ticketKey);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await clientA.pttl('wsgate:t:s:alice')).toBeGreaterThan(25_000);
    const value = JSON.parse((await clientA.get(ticketKey))!) as { v: number; subject: string };
    expect(value).toMatchObject({ v: 1, subject: 'alice' });
  });

  it('removes a redeemed ticket from its subject set', async () => {
    const a = instance(createIoRedisCommand(clientA));
    const first = await a.issue({ subject: 'alice', ip: IP });
    await a.issue({ subject: 'alice', ip: IP });
    expect(await clientA.zcard('wsgate:t:s:alice')).toBe(2);
    expect((await a.redeem(first.ticket, { ip: IP })).ok).toBe(true);
    expect(await clientA.zcard('wsgate:t:s:alice')).toBe(1);
  });

  it('caps a subject at maxPerSubject through the service, deleting the dropped ticket key', async () => {
    const a = instance(createIoRedisCommand(clientA), { maxPerSubject: 2 });
    const issued = [];
    for (let index = 0; index < 3; index += 1) {
      issued.push(await a.issue({ subject: 'alice', ip: IP }));
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct issue times: "oldest" is well defined
    }
    expect(await clientA.zcard('wsgate:t:s:alice')).toBe(2);
    const ticketKeys = (await clientA.keys('wsgate:t:*')).filter((key) => !key.startsWith('wsgate:t:s:'));
    expect(ticketKeys).toHaveLength(2);
    expect((await a.redeem(issued[0]!.ticket, { ip: IP })).ok).toBe(false);
    expect((await a.redeem(issued[1]!.ticket, { ip: IP })).ok).toBe(true);
    expect((await a.redeem(issued[2]!.ticket, { ip: IP })).ok).toBe(true);
  });

  it('honours a custom prefix', async () => {
    const a = instance(createIoRedisCommand(clientA), { prefix: 'app1:tickets:' });
    const { ticket } = await a.issue({ subject: 'carol', ip: IP });
    const keys = await clientA.keys('*');
    expect(keys.every((key) => key.startsWith('app1:tickets:'))).toBe(true);
    expect(keys).toContain('app1:tickets:s:carol');
    expect((await a.redeem(ticket, { ip: IP })).ok).toBe(true);
  });
});
