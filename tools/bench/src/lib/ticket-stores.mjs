// Ticket stores by name, for the stacks and the ticket-service scenario.

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
