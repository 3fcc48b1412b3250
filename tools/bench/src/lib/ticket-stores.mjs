// Ticket stores by name, for the stacks and the ticket-service scenario.
import { ORIGIN, subjectOf } from './protocol.mjs';

/**
 * `'memory'` → `undefined` (the ticket service's default `MemoryTicketStore`);
 * `'redis'` → a `RedisTicketStore` (@wsgate/redis-store) over an ioredis client on
 * `options.redisUrl`, wired as the package documents it.
 */
export async function createTicketStore(kind, options = {}) {
  if (kind === 'memory') return undefined;
  if (kind !== 'redis') throw new Error(`unknown ticket store ${kind}`);
  if (options.redisUrl === undefined) throw new Error('the redis store needs redisUrl');
  const { RedisTicketStore, createIoRedisCommand } = await import('@wsgate/redis-store');
  const { Redis } = await import('ioredis');
  // WSGATE_BENCH_REDIS_AUTOPIPELINING=1: the same, with ioredis batching a tick's commands into one write.
  const enableAutoPipelining = process.env.WSGATE_BENCH_REDIS_AUTOPIPELINING === '1';
  const client = new Redis(options.redisUrl, { enableOfflineQueue: false, enableAutoPipelining });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis at ${options.redisUrl} not ready within 5 s`)),
      5_000,
    );
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return new RedisTicketStore({ command: createIoRedisCommand(client), closeClient: () => client.quit() });
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
