// Ticket stores by name, for the stacks and the ticket-service scenario, and the raw Redis pair
// the Redis store is measured against.
import { randomBytes } from 'node:crypto';
import { ORIGIN, subjectOf } from './protocol.mjs';

/** An ioredis client on `redisUrl`, as @wsgate/redis-store documents it; resolves once ready. */
async function ioredisClient(redisUrl) {
  if (redisUrl === undefined) throw new Error('the redis store needs redisUrl');
  const { Redis } = await import('ioredis');
  // WSGATE_BENCH_REDIS_AUTOPIPELINING=1: the same, with ioredis batching a tick's commands into one write.
  const enableAutoPipelining = process.env.WSGATE_BENCH_REDIS_AUTOPIPELINING === '1';
  const client = new Redis(redisUrl, { enableOfflineQueue: false, enableAutoPipelining });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis at ${redisUrl} not ready within 5 s`)), 5_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}

/**
 * `'memory'` → `undefined` (the ticket service's default `MemoryTicketStore`);
 * `'redis'` → a `RedisTicketStore` (@wsgate/redis-store) over an ioredis client on
 * `options.redisUrl`, wired as the package documents it.
 */
export async function createTicketStore(kind, options = {}) {
  if (kind === 'memory') return undefined;
  if (kind !== 'redis') throw new Error(`unknown ticket store ${kind}`);
  const { RedisTicketStore, createIoRedisCommand } = await import('@wsgate/redis-store');
  const client = await ioredisClient(options.redisUrl);
  return new RedisTicketStore({ command: createIoRedisCommand(client), closeClient: () => client.quit() });
}

/**
 * The reference for the Redis store: what a team writes without @wsgate, on the same ioredis
 * client. Per pair: a random 32-byte key (base64url), the record serialised as JSON, then
 * `SET raw:<key> <json> PX 30000 NX` and `GETDEL raw:<key>` (two round trips, no hashing, no
 * subject index, no bound on the wait, no record validation). `pair(record)` rejects if either
 * command does not do its part.
 */
export async function createRawRedisPair(options = {}) {
  const client = await ioredisClient(options.redisUrl);
  return {
    async pair(record) {
      const key = `raw:${randomBytes(32).toString('base64url')}`;
      const stored = await client.set(key, JSON.stringify(record), 'PX', 30_000, 'NX');
      if (stored !== 'OK') throw new Error('SET NX refused a fresh key');
      if ((await client.getdel(key)) === null) throw new Error('GETDEL found nothing');
    },
    close: () => client.quit(),
  };
}

/**
 * What a ticket stack offers the bench besides its port: `issue(n)` issues `n` tickets the way
 * the app's ticket endpoint would (unique subjects, bound to 127.0.0.1 and ORIGIN), `burn`
 * redeems those a window did not use, so that they do not linger in the store.
 */
export function benchTickets(tickets) {
  let issued = 0;
  return {
    async issue(n) {
      const list = new Array(n);
      for (let index = 0; index < n; index += 1) {
        const subject = subjectOf(issued++);
        const { ticket } = await tickets.issue({
          subject,
          sessionId: `s-${subject}`,
          claims: { roles: ['user'] },
          ip: '127.0.0.1',
          origin: ORIGIN,
        });
        list[index] = ticket;
      }
      return list;
    },
    async burn(list) {
      for (const ticket of list) await tickets.redeem(ticket, { ip: '127.0.0.1', origin: ORIGIN });
      return list.length;
    },
  };
}
