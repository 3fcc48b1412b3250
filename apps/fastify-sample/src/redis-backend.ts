import type { ConnectionRegistry } from '@wsgate/core';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  RedisRevocationBus,
  RedisTicketStore,
} from '@wsgate/redis-store';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { RedisSessionStore } from './redis-sessions.js';

/** Everything the sample keeps in Redis when REDIS_URL is set. */
export interface RedisBackend {
  readonly ticketStore: RedisTicketStore;
  readonly sessions: RedisSessionStore;
  /** Starts logout-across-instances on this instance's connection registry. */
  startRevocation(registry: ConnectionRegistry): Promise<RedisRevocationBus>;
  close(): Promise<void>;
}

/**
 * Connects to Redis: a command connection that fails fast while Redis is down (no offline
 * queue, so requests get 503 instead of hanging) and a subscriber connection for revocations.
 * Both reconnect by themselves when Redis comes back.
 */
export function connectRedisBackend(url: string, log: FastifyBaseLogger): RedisBackend {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  const subscriber = new Redis(url, { lazyConnect: false });
  client.on('error', (error: Error) =>
    log.warn({ event: 'redis.error', err: error.message }, 'redis connection error'),
  );
  subscriber.on('error', (error: Error) =>
    log.warn({ event: 'redis.error', err: error.message }, 'redis subscriber error'),
  );
  const command = createIoRedisCommand(client);
  const busLogger = {
    info: (message: string) => log.info({ event: 'wsgate.revocation_bus' }, message),
    warn: (message: string) => log.warn({ event: 'wsgate.revocation_bus' }, message),
    error: (message: string) => log.error({ event: 'wsgate.revocation_bus' }, message),
  };
  let bus: RedisRevocationBus | undefined;
  return {
    ticketStore: new RedisTicketStore({ command }),
    sessions: new RedisSessionStore(command),
    async startRevocation(registry) {
      bus = new RedisRevocationBus({
        publish: command,
        subscriber: createIoRedisSubscriber(subscriber),
        registry,
        logger: busLogger,
      });
      await bus.start();
      return bus;
    },
    async close() {
      await bus?.close();
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
