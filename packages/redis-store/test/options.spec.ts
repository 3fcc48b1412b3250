// Options, adapters, record format and error codes.
import {
  MemoryTicketStore,
  TicketStoreClosedError,
  WsGateConfigError,
  WsGateError,
  type TicketRecord,
  type TicketStore,
} from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  createNodeRedisCommand,
  createNodeRedisSubscriber,
  RedisTicketStore,
  RevocationBusClosedError,
  RevocationBusUnavailableError,
  type RedisCommand,
  type RedisSubscriber,
} from '../src/index.js';
import { closeAllClients, ioredisClient, nodeRedisClient, type NodeRedisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

let server: RedisServer;
let client: Redis;
let nodeClient: NodeRedisClient;

beforeAll(async () => {
  server = await startRedisServer();
  [client, nodeClient] = await Promise.all([ioredisClient(server), nodeRedisClient(server)]);
});

beforeEach(async () => {
  await client.flushdb();
});

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
});

const noop: RedisCommand = async () => null;

describe('RedisTicketStore options', () => {
  it.each([
    ['no options', undefined],
    ['no command', {}],
    ['a command that is not a function', { command: 'redis' }],
    ['an empty prefix', { command: noop, prefix: '' }],
    ['maxPerSubject 0', { command: noop, maxPerSubject: 0 }],
    ['a fractional maxPerSubject', { command: noop, maxPerSubject: 1.5 }],
    ['commandTimeoutMs 0', { command: noop, commandTimeoutMs: 0 }],
    ['an unknown takeStrategy', { command: noop, takeStrategy: 'get-then-del' }],
    ['a closeClient that is not a function', { command: noop, closeClient: true }],
    ['a logger whose warn is not a function', { command: noop, logger: { warn: 'yes' } }],
  ])('throws WsGateConfigError for %s', (_name, options) => {
    expect(() => new RedisTicketStore(options as never)).toThrow(WsGateConfigError);
  });

  it('accepts the documented defaults and implements TicketStore', () => {
    const store = new RedisTicketStore({ command: noop });
    expectTypeOf(store).toMatchTypeOf<TicketStore>();
    expectTypeOf<RedisCommand>().toEqualTypeOf<(args: string[]) => Promise<unknown>>();
  });

  it('refuses an invalid ttl or record with WsGateConfigError before touching Redis', async () => {
    const command = vi.fn(noop);
    const store = new RedisTicketStore({ command });
    const record: TicketRecord = { v: 1, subject: 'alice', issuedAt: 1, expiresAt: 2 };
    await expect(store.put('k', record, 0)).rejects.toBeInstanceOf(WsGateConfigError);
    await expect(store.put('k', { ...record, subject: '' }, 1_000)).rejects.toBeInstanceOf(WsGateConfigError);
    await expect(store.put('', record, 1_000)).rejects.toBeInstanceOf(WsGateConfigError);
    expect(command).not.toHaveBeenCalled();
  });

  it('calls closeClient once on close(), logs its failure instead of throwing', async () => {
    const warn = vi.fn();
    const closeClient = vi.fn(async () => {
      throw new Error('already closed');
    });
    const store = new RedisTicketStore({ command: noop, closeClient, logger: { warn } });
    await store.close();
    await store.close();
    expect(closeClient).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('already closed'));
    await expect(store.take('k')).rejects.toBeInstanceOf(TicketStoreClosedError);
  });
});

describe('adapters', () => {
  it('take ioredis and node-redis clients as they are, and refuse anything else', async () => {
    expect(await createIoRedisCommand(client)(['PING'])).toBe('PONG');
    expect(await createNodeRedisCommand(nodeClient)(['PING'])).toBe('PONG');
    expect(() => createIoRedisCommand({} as never)).toThrow(WsGateConfigError);
    expect(() => createNodeRedisCommand(null as never)).toThrow(WsGateConfigError);
    expect(() => createIoRedisSubscriber({ subscribe: () => undefined } as never)).toThrow(WsGateConfigError);
    expectTypeOf(createIoRedisSubscriber).returns.toEqualTypeOf<RedisSubscriber>();
    expectTypeOf(createNodeRedisSubscriber).returns.toEqualTypeOf<RedisSubscriber>();
    await expect(createIoRedisCommand(client)([])).rejects.toBeInstanceOf(WsGateConfigError);
  });
});

describe('record format', () => {
  const now = Date.now();
  const v1 = { v: 1, subject: 'alice', sessionId: 's-1', issuedAt: now, expiresAt: now + 10_000 };

  async function takeRaw(value: string, warn = vi.fn()) {
    await client.set('wsgate:t:raw', value, 'PX', 10_000);
    const store = new RedisTicketStore({ command: createIoRedisCommand(client), logger: { warn } });
    const taken = await store.take('raw');
    return { taken, warn, left: await client.exists('wsgate:t:raw') };
  }

  it('stores versioned JSON and reads v1 back', async () => {
    const { taken } = await takeRaw(JSON.stringify(v1));
    expect(taken).toEqual(v1);
  });

  it('refuses a record of an unknown version as undefined, with a warning, and still consumes it', async () => {
    const { taken, warn, left } = await takeRaw(JSON.stringify({ ...v1, v: 2 }));
    expect(taken).toBeUndefined();
    expect(warn).toHaveBeenCalledWith('redis ticket store: refused a ticket record of unknown version 2');
    expect(left).toBe(0);
  });

  it.each([
    ['not JSON', 'nope'],
    ['an array', '[1]'],
    ['no subject', JSON.stringify({ ...v1, subject: undefined })],
    ['a non-numeric expiry', JSON.stringify({ ...v1, expiresAt: 'soon' })],
    ['claims that are not an object', JSON.stringify({ ...v1, claims: 'admin' })],
    [
      'prototype poisoning',
      `{"v":1,"subject":"alice","issuedAt":1,"expiresAt":2,"claims":{"__proto__":{"admin":true}}}`,
    ],
    [
      'prototype poisoning behind an escape',
      `{"v":1,"subject":"alice","issuedAt":1,"expiresAt":2,"claims":{"\\u005f_proto__":{"admin":true}}}`,
    ],
    [
      'a constructor.prototype key',
      `{"v":1,"subject":"alice","issuedAt":1,"expiresAt":2,"claims":{"constructor":{"prototype":{"admin":true}}}}`,
    ],
    [
      'claims nested deeper than 32',
      `{"v":1,"subject":"alice","issuedAt":1,"expiresAt":2,"claims":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
    ],
  ])('refuses %s as undefined, with a warning', async (_name, value) => {
    const { taken, warn } = await takeRaw(value);
    expect(taken).toBeUndefined();
    expect(warn).toHaveBeenCalledWith('redis ticket store: refused a malformed ticket record');
  });

  it('reads back claims with escapes, quotes, brackets and prototype-like words in values', async () => {
    const claims = {
      text: 'say "hi" \\ back [x] {y}',
      note: 'constructor and __proto__ as plain words',
      nested: { list: [1, [2, [3]]] },
    };
    const { taken } = await takeRaw(JSON.stringify({ ...v1, claims }));
    expect(taken).toEqual({ ...v1, claims });
  });

  it('behaves like MemoryTicketStore for the same record', async () => {
    const memory = new MemoryTicketStore({ sweepIntervalMs: 0 });
    const redis = new RedisTicketStore({ command: createIoRedisCommand(client) });
    const record: TicketRecord = {
      v: 1,
      subject: 'alice',
      claims: { a: [1, { b: 2 }] },
      ip: '10.0.0.1',
      issuedAt: now,
      expiresAt: now + 10_000,
    };
    await Promise.all([memory.put('k', record, 10_000), redis.put('k', record, 10_000)]);
    expect(await redis.take('k')).toEqual(await memory.take('k'));
    await memory.close();
  });
});

describe('error classes', () => {
  it('are WsGateErrors with stable WSGATE_* codes', () => {
    const unavailable = new RevocationBusUnavailableError();
    expect(unavailable).toBeInstanceOf(WsGateError);
    expect(unavailable).toMatchObject({
      code: 'WSGATE_REVOCATION_BUS_UNAVAILABLE',
      statusCode: 503,
      name: 'RevocationBusUnavailableError',
    });
    const closed = new RevocationBusClosedError();
    expect(closed).toBeInstanceOf(WsGateError);
    expect(closed).toMatchObject({ code: 'WSGATE_REVOCATION_BUS_CLOSED', statusCode: 503 });
  });
});
