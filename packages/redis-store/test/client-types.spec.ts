// The adapters take every supported client major as it is, without a cast: this file only
// compiles (`npm run typecheck`) if each major's client fits the structural client types.
import { Redis as IoRedis6 } from 'ioredis';
import { Redis as IoRedis5 } from 'ioredis-v5';
import { createClient as createClient6 } from 'redis';
import { createClient as createClient4 } from 'redis-v4';
import { createClient as createClient5 } from 'redis-v5';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  createNodeRedisCommand,
  createNodeRedisSubscriber,
  type RedisCommand,
  type RedisSubscriber,
} from '../src/index.js';

describe('client majors fit the adapters as they are', () => {
  it('ioredis 5 and 6', () => {
    for (const client of [new IoRedis5({ lazyConnect: true }), new IoRedis6({ lazyConnect: true })]) {
      expectTypeOf(createIoRedisCommand(client)).toEqualTypeOf<RedisCommand>();
      expect(typeof createIoRedisCommand(client)).toBe('function');
      expectTypeOf(createIoRedisSubscriber(client)).toEqualTypeOf<RedisSubscriber>();
      client.disconnect();
    }
  });

  it('node-redis 4, 5 and 6', () => {
    const v4 = createClient4();
    const v5 = createClient5();
    const v6 = createClient6();
    expect(typeof createNodeRedisCommand(v4)).toBe('function');
    expect(typeof createNodeRedisCommand(v5)).toBe('function');
    expect(typeof createNodeRedisCommand(v6)).toBe('function');
    expectTypeOf(createNodeRedisSubscriber(v4)).toEqualTypeOf<RedisSubscriber>();
    expectTypeOf(createNodeRedisSubscriber(v5)).toEqualTypeOf<RedisSubscriber>();
    expectTypeOf(createNodeRedisSubscriber(v6)).toEqualTypeOf<RedisSubscriber>();
    // RESP3 clients too.
    expect(typeof createNodeRedisCommand(createClient5({ RESP: 3 }))).toBe('function');
    expect(typeof createNodeRedisSubscriber(createClient6({ RESP: 2 }))).toBe('object');
  });
});
