// Single use holds only as far as Redis keeps its writes. The README's "Durability" section
// and docs/threat-model.md say so; these tests check what they claim, with a real crash.
import { createTicketService, type TicketService } from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createIoRedisCommand, RedisTicketStore } from '../src/index.js';
import { closeAllClients, eventually, ioredisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const IP = '127.0.0.1';
const servers: RedisServer[] = [];

afterEach(async () => {
  await closeAllClients();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serviceOn(
  extraArgs: string[],
): Promise<{ server: RedisServer; client: Redis; tickets: TicketService }> {
  const server = await startRedisServer({ extraArgs });
  servers.push(server);
  const client = await ioredisClient(server);
  const tickets = createTicketService({
    store: new RedisTicketStore({ command: createIoRedisCommand(client) }),
  });
  return { server, client, tickets };
}

/** Issue, snapshot, redeem, crash (SIGKILL), restart from what is on disk, redeem again. */
async function crashAfterRedeem(server: RedisServer, client: Redis, tickets: TicketService) {
  const { ticket } = await tickets.issue({ subject: 'alice', sessionId: 's-1', ip: IP });
  expect(await client.call('SAVE')).toBe('OK');
  const first = await tickets.redeem(ticket, { ip: IP });
  await server.kill();
  await server.start();
  await eventually(() => client.status === 'ready', 5_000, 'the client to reconnect');
  const second = await tickets.redeem(ticket, { ip: IP });
  return { first, second };
}

describe('durability of single use', () => {
  it('without AOF, a redeemed ticket is accepted again after a crash and a restart from the last snapshot', async () => {
    const { server, client, tickets } = await serviceOn([]);
    const { first, second } = await crashAfterRedeem(server, client, tickets);
    expect(first.ok).toBe(true);
    // The take was never written to disk: the snapshot brought the ticket back.
    expect(second.ok).toBe(true);
  });

  it('with appendonly yes and appendfsync always, the crash cannot bring a redeemed ticket back', async () => {
    const { server, client, tickets } = await serviceOn(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { first, second } = await crashAfterRedeem(server, client, tickets);
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, reason: 'unknown' });
  });
});
