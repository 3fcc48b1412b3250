import { Redis } from 'ioredis';
import { createWsGate } from '@wsgate/core';
import {
  createIoRedisCommand,
  RedisConnectionSlots,
  RedisRefusalCounter,
  RedisTicketStore,
} from '@wsgate/redis-store';

const redis = new Redis({
  host: '127.0.0.1',
  port: 6379,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
});
redis.on('error', (error) => console.warn(`redis: ${error.message}`));
const command = createIoRedisCommand(redis);

// The same slots for the caps and the ticket store: each upgrade takes its ticket and its
// connection slot in one script round trip.
const slots = new RedisConnectionSlots({ command });
export const gate = createWsGate({
  origins: { allow: ['https://app.example.com'] },
  tickets: { store: new RedisTicketStore({ command, slots }) },
  connections: { maxPerSubject: 10, maxPerAddress: 100, slots }, // across every instance
  bruteForce: { maxRefusals: 100, windowMs: 60_000, counter: new RedisRefusalCounter({ command }) },
});

// On shutdown: drain first, then give this instance's slots back.
export async function shutdown(): Promise<void> {
  await gate.drain();
  await slots.close();
  await gate.tickets.close();
  await redis.quit();
}
