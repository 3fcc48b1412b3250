// Raw view of a Redis database for assertions: every key, and every value or member.
import type { RedisCommand } from '../../src/index.js';

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Every key in the database, then every string value and set member, as text. */
export async function dumpRedis(command: RedisCommand): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const reply = (await command(['SCAN', cursor, 'COUNT', '1000'])) as [unknown, unknown[]];
    cursor = text(reply[0]);
    keys.push(...reply[1].map(text));
  } while (cursor !== '0');
  const held = [...keys];
  for (const key of keys) {
    const type = text(await command(['TYPE', key]));
    if (type === 'string') held.push(text(await command(['GET', key])));
    else if (type === 'zset')
      held.push(...((await command(['ZRANGE', key, '0', '-1'])) as unknown[]).map(text));
  }
  return held;
}
