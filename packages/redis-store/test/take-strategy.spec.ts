// How take stays atomic: GETDEL, the Lua fallback, auto-detection, and EVALSHA → EVAL.
import { TicketStoreUnavailableError, type TicketRecord } from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createIoRedisCommand,
  RedisTicketStore,
  type RedisCommand,
  type RedisTicketStoreOptions,
} from '../src/index.js';
import { closeAllClients, ioredisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const TTL = 10_000;
let modern: RedisServer;
/** A server without GETDEL, as Redis < 6.2. */
let legacy: RedisServer;
let modernClient: Redis;
let legacyClient: Redis;

beforeAll(async () => {
  [modern, legacy] = await Promise.all([
    startRedisServer(),
    startRedisServer({ extraArgs: ['--rename-command', 'GETDEL', ''] }),
  ]);
  [modernClient, legacyClient] = await Promise.all([ioredisClient(modern), ioredisClient(legacy)]);
});

afterAll(async () => {
  await closeAllClients();
  await Promise.all([modern?.stop(), legacy?.stop()]);
});

beforeEach(async () => {
  await Promise.all([modernClient.flushdb(), legacyClient.flushdb()]);
});

/** A command that records the name of every command it sends. */
function recording(client: Redis): { command: RedisCommand; sent: string[] } {
  const inner = createIoRedisCommand(client);
  const sent: string[] = [];
  return {
    sent,
    command: (args) => {
      sent.push(args[0]!.toUpperCase());
      return inner(args);
    },
  };
}

function record(subject = 'alice'): TicketRecord {
  const now = Date.now();
  return { v: 1, subject, issuedAt: now, expiresAt: now + TTL };
}

function store(command: RedisCommand, options: Partial<RedisTicketStoreOptions> = {}): RedisTicketStore {
  return new RedisTicketStore({ command, ...options });
}

describe('take strategies', () => {
  it("'getdel' takes with one GETDEL and never GET then DEL", async () => {
    const spy = recording(modernClient);
    const tickets = store(spy.command, { takeStrategy: 'getdel' });
    await tickets.put('k1', record(), TTL);
    spy.sent.length = 0;
    expect(await tickets.take('k1')).toMatchObject({ subject: 'alice' });
    expect(spy.sent).toEqual(['GETDEL', 'ZREM']);
  });

  it("'lua' takes with the GET+DEL script (EVALSHA), never GETDEL and never GET then DEL", async () => {
    const spy = recording(modernClient);
    const tickets = store(spy.command, { takeStrategy: 'lua' });
    await tickets.put('k1', record(), TTL);
    spy.sent.length = 0;
    expect(await tickets.take('k1')).toMatchObject({ subject: 'alice' });
    expect(await tickets.take('k1')).toBeUndefined();
    expect(spy.sent).not.toContain('GETDEL');
    expect(spy.sent).not.toContain('GET');
    expect(spy.sent).not.toContain('DEL');
    expect(spy.sent.filter((name) => name === 'EVALSHA' || name === 'EVAL').length).toBeGreaterThanOrEqual(2);
  });

  it("'lua' is atomic under 50 concurrent takes from two connections", async () => {
    const other = await ioredisClient(modern);
    const a = store(createIoRedisCommand(modernClient), { takeStrategy: 'lua' });
    const b = store(createIoRedisCommand(other), { takeStrategy: 'lua' });
    await a.put('contested', record(), TTL);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? a : b).take('contested')),
    );
    expect(results.filter((result) => result !== undefined)).toHaveLength(1);
  });

  it("'auto' switches for good to the Lua script on a server without GETDEL, and says so once", async () => {
    const spy = recording(legacyClient);
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const tickets = store(spy.command, { logger });
    await tickets.put('k1', record(), TTL);
    await tickets.put('k2', record(), TTL);
    spy.sent.length = 0;
    expect(await tickets.take('k1')).toMatchObject({ subject: 'alice' });
    expect(await tickets.take('k2')).toMatchObject({ subject: 'alice' });
    expect(await tickets.take('k2')).toBeUndefined();
    expect(spy.sent.filter((name) => name === 'GETDEL')).toHaveLength(1);
    expect(spy.sent).not.toContain('GET');
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('no GETDEL'));
  });

  it("'auto' uses GETDEL where the server has it", async () => {
    const spy = recording(modernClient);
    const tickets = store(spy.command);
    await tickets.put('k1', record(), TTL);
    spy.sent.length = 0;
    await tickets.take('k1');
    expect(spy.sent[0]).toBe('GETDEL');
    expect(spy.sent).not.toContain('EVALSHA');
  });

  it("'getdel' on a server without GETDEL fails closed with TicketStoreUnavailableError", async () => {
    const tickets = store(createIoRedisCommand(legacyClient), { takeStrategy: 'getdel' });
    await tickets.put('k1', record(), TTL);
    await expect(tickets.take('k1')).rejects.toBeInstanceOf(TicketStoreUnavailableError);
  });
});

describe('scripts', () => {
  it('loads a script with EVAL when the server lost its script cache (SCRIPT FLUSH, restart)', async () => {
    const spy = recording(modernClient);
    const tickets = store(spy.command, { takeStrategy: 'lua' });
    await tickets.put('k1', record(), TTL);
    await modernClient.call('SCRIPT', 'FLUSH');
    spy.sent.length = 0;
    await tickets.put('k2', record(), TTL);
    expect(spy.sent).toEqual(['EVALSHA', 'EVAL']);
    spy.sent.length = 0;
    await tickets.put('k3', record(), TTL);
    expect(spy.sent).toEqual(['EVALSHA']);
    await modernClient.call('SCRIPT', 'FLUSH');
    expect(await tickets.take('k1')).toBeDefined();
  });

  it('drops the oldest tickets of a subject only, and prunes members whose ticket is gone', async () => {
    const tickets = store(createIoRedisCommand(modernClient), { maxPerSubject: 2 });
    const base = Date.now();
    const at = (subject: string, offset: number): TicketRecord => ({
      v: 1,
      subject,
      issuedAt: base + offset,
      expiresAt: base + TTL,
    });
    await tickets.put('a1', at('alice', 1), TTL);
    await tickets.put('a2', at('alice', 2), TTL);
    // The ticket vanishes behind the store's back (e.g. an operator's DEL): its member is stale.
    await modernClient.del('wsgate:t:a2');
    await tickets.put('a3', at('alice', 3), TTL);
    // a2's stale member did not count: a1 survived.
    expect(await modernClient.zrange('wsgate:t:s:alice', '0', '-1')).toEqual(['a1', 'a3']);
    await tickets.put('a4', at('alice', 4), TTL);
    expect(await modernClient.zrange('wsgate:t:s:alice', '0', '-1')).toEqual(['a3', 'a4']);
    expect(await modernClient.exists('wsgate:t:a1')).toBe(0);
  });
});
