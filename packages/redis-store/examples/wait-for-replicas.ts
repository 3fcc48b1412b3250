import { Redis } from 'ioredis';
import { createTicketService } from '@wsgate/core';
import { createIoRedisCommand, RedisTicketStore } from '@wsgate/redis-store';

// The primary (e.g. the one Sentinel names), with at least one replica.
const options = { host: '127.0.0.1', port: 6379, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
const redis = new Redis(options);
// Takes run on a connection of their own: WAIT blocks the connection it runs on, and waits
// only for that connection's writes.
const takes = new Redis(options);
for (const client of [redis, takes]) client.on('error', (error) => console.warn(`redis: ${error.message}`));

const store = new RedisTicketStore({
  command: createIoRedisCommand(redis),
  waitForReplicas: { command: createIoRedisCommand(takes), replicas: 1, timeoutMs: 250 },
  closeClient: () => Promise.all([redis.quit(), takes.quit()]),
});
// A redeem that no replica acknowledged within 250 ms rejects with TicketStoreUnavailableError (503).
export const tickets = createTicketService({ store });
