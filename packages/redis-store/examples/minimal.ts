import { Redis } from 'ioredis';
import { createWsGate } from '@wsgate/core';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  RedisRevocationBus,
  RedisTicketStore,
} from '@wsgate/redis-store';

// Fail fast while Redis is down (see "Client settings" below).
const redis = new Redis({
  host: '127.0.0.1',
  port: 6379,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
});
redis.on('error', (error) => console.warn(`redis: ${error.message}`));
const command = createIoRedisCommand(redis);

const gate = createWsGate({
  origins: { allow: ['https://app.example.com'] },
  tickets: { store: new RedisTicketStore({ command, closeClient: () => redis.quit() }) },
});

// Logout across instances: a dedicated subscriber connection.
const subscriber = new Redis({ host: '127.0.0.1', port: 6379 });
subscriber.on('error', (error) => console.warn(`redis subscriber: ${error.message}`));
const bus = new RedisRevocationBus({
  publish: command,
  subscriber: createIoRedisSubscriber(subscriber),
  registry: gate.registry,
  logger: console, // optional: { info, warn, error }
});
await bus.start();

// On logout (any instance): closes the session's sockets on every instance with 4401.
export async function onLogout(sessionId: string): Promise<void> {
  await bus.revokeSession(sessionId, 'logged out');
}
