// Every supported Redis client major (installed side by side under npm aliases), in each RESP
// version it speaks, configured the way the README recommends. Suites run once per variant.
import { once } from 'node:events';
import { Redis as IoRedis6 } from 'ioredis';
import { Redis as IoRedis5 } from 'ioredis-v5';
import { createClient as createClient6 } from 'redis';
import { createClient as createClient4 } from 'redis-v4';
import { createClient as createClient5 } from 'redis-v5';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  createNodeRedisCommand,
  createNodeRedisSubscriber,
  type IoRedisCommandClient,
  type IoRedisSubscriberClient,
  type NodeRedisCommandClient,
  type NodeRedisSubscriberClient,
  type RedisCommand,
  type RedisSubscriber,
} from '../../src/index.js';
import { trackClient } from './clients.js';

/** Where a client connects: a redis-server, or a proxy in front of one. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** How a test client behaves. */
export interface ClientTuning {
  /** Delay between reconnect attempts, in ms. @default 50 */
  reconnectDelayMs?: number;
  /** ioredis only: `autoResubscribe`. @default true */
  autoResubscribe?: boolean;
}

/** One client major in one RESP version. */
export interface ClientVariant {
  /** e.g. `ioredis 5`, `node-redis 6 (RESP2)`. */
  readonly name: string;
  readonly family: 'ioredis' | 'node-redis';
  readonly major: number;
  readonly resp: 2 | 3;
  /** A connected command client, adapted; closed by `closeAllClients()`. */
  command(endpoint: Endpoint, tuning?: ClientTuning): Promise<RedisCommand>;
  /** A connected client dedicated to pub/sub, adapted; closed by `closeAllClients()`. */
  subscriber(endpoint: Endpoint, tuning?: ClientTuning): Promise<RedisSubscriber>;
}

/** What the tests need of every ioredis major's `Redis` class. */
type IoRedisClass = new (options: Record<string, unknown>) => IoRedisCommandClient &
  IoRedisSubscriberClient & {
    readonly status: string;
    connect(): Promise<unknown>;
    disconnect(): void;
  };

/** What the tests need of every node-redis major's client. */
type NodeRedisClient = NodeRedisCommandClient &
  NodeRedisSubscriberClient & {
    readonly isOpen: boolean;
    connect(): Promise<unknown>;
  };
type CreateNodeRedisClient = (options: Record<string, unknown>) => NodeRedisClient;

function ioredisVariant(major: number, RedisClass: IoRedisClass, resp: 2 | 3, label: string): ClientVariant {
  const connect = async (endpoint: Endpoint, tuning: ClientTuning = {}) => {
    const client = new RedisClass({
      host: endpoint.host,
      port: endpoint.port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => tuning.reconnectDelayMs ?? 50,
      autoResubscribe: tuning.autoResubscribe ?? true,
      lazyConnect: true,
      ...(major >= 6 ? { protocol: resp } : {}),
    });
    client.on('error', () => undefined);
    trackClient(async () => client.disconnect());
    await client.connect();
    if (client.status !== 'ready') await once(client as never, 'ready');
    return client;
  };
  return {
    name: `ioredis ${major}${label}`,
    family: 'ioredis',
    major,
    resp,
    command: async (endpoint, tuning) => createIoRedisCommand(await connect(endpoint, tuning)),
    subscriber: async (endpoint, tuning) => createIoRedisSubscriber(await connect(endpoint, tuning)),
  };
}

function nodeRedisVariant(
  major: number,
  create: CreateNodeRedisClient,
  resp: 2 | 3,
  label: string,
): ClientVariant {
  const connect = async (endpoint: Endpoint, tuning: ClientTuning = {}) => {
    const client = create({
      socket: {
        host: endpoint.host,
        port: endpoint.port,
        reconnectStrategy: () => tuning.reconnectDelayMs ?? 50,
      },
      disableOfflineQueue: true,
      ...(major >= 5 ? { RESP: resp } : {}),
    });
    client.on('error', () => undefined);
    trackClient(async () => {
      if (!client.isOpen) return;
      // node-redis 5+ has destroy(); 4 has disconnect().
      const closable = client as unknown as { destroy?: () => void; disconnect: () => Promise<void> };
      if (typeof closable.destroy === 'function') closable.destroy();
      else await closable.disconnect();
    });
    await client.connect();
    return client;
  };
  return {
    name: `node-redis ${major}${label}`,
    family: 'node-redis',
    major,
    resp,
    command: async (endpoint, tuning) => createNodeRedisCommand(await connect(endpoint, tuning)),
    subscriber: async (endpoint, tuning) => createNodeRedisSubscriber(await connect(endpoint, tuning)),
  };
}

const asNodeRedis = (create: unknown) => create as CreateNodeRedisClient;

/** Every supported major, in its default protocol and in the other one where it has both. */
export const CLIENT_VARIANTS: readonly ClientVariant[] = [
  ioredisVariant(5, IoRedis5 as unknown as IoRedisClass, 2, ''),
  ioredisVariant(6, IoRedis6 as unknown as IoRedisClass, 3, ''),
  ioredisVariant(6, IoRedis6 as unknown as IoRedisClass, 2, ' (RESP2)'),
  nodeRedisVariant(4, asNodeRedis(createClient4), 2, ''),
  nodeRedisVariant(5, asNodeRedis(createClient5), 2, ''),
  nodeRedisVariant(5, asNodeRedis(createClient5), 3, ' (RESP3)'),
  nodeRedisVariant(6, asNodeRedis(createClient6), 3, ''),
  nodeRedisVariant(6, asNodeRedis(createClient6), 2, ' (RESP2)'),
];

/** The variants as `[name, variant]` rows for `describe.each`. */
export const CLIENT_VARIANT_ROWS: readonly [string, ClientVariant][] = CLIENT_VARIANTS.map((variant) => [
  variant.name,
  variant,
]);
