// Redis clients for tests, configured the way the README recommends, and closed by `closeAll()`.
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import { createClient } from 'redis';
import type { RedisServer } from './redis-server.js';

function newNodeRedisClient(server: RedisServer) {
  return createClient({
    socket: { host: server.host, port: server.port, reconnectStrategy: () => 50 },
    disableOfflineQueue: true,
  });
}

/** A node-redis client as created by {@link nodeRedisClient}. */
export type NodeRedisClient = ReturnType<typeof newNodeRedisClient>;

const opened: { close(): Promise<unknown> }[] = [];

/** Registers a client's clean-up with {@link closeAllClients}. */
export function trackClient(close: () => Promise<unknown>): void {
  opened.push({ close });
}

/**
 * An ioredis client as recommended for the store: fails fast while disconnected
 * (`enableOfflineQueue: false`), reconnects quickly in tests. Resolves once `ready`.
 */
export async function ioredisClient(server: RedisServer, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({
    host: server.host,
    port: server.port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
    lazyConnect: true,
    ...options,
  });
  client.on('error', () => undefined);
  opened.push({ close: async () => client.disconnect() });
  await client.connect();
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

/** A connected node-redis client: `disableOfflineQueue`, quick reconnects, an error listener. */
export async function nodeRedisClient(server: RedisServer): Promise<NodeRedisClient> {
  const client = newNodeRedisClient(server);
  client.on('error', () => undefined);
  opened.push({
    close: async () => {
      if (client.isOpen) client.destroy();
    },
  });
  await client.connect();
  return client;
}

/** Closes every client opened by this module. */
export async function closeAllClients(): Promise<void> {
  await Promise.all(opened.splice(0).map((client) => client.close().catch(() => undefined)));
}

/** Polls `check` until it returns true or `timeoutMs` passes; throws then. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
