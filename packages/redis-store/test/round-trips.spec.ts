// One round trip per issue and per redeem: the put and take scripts, their atomicity, the
// subject index they keep, EVALSHA → EVAL, and no retried take.
import {
  createTicketService,
  createWsGate,
  TicketStoreUnavailableError,
  type HandshakeRequest,
  type TicketRecord,
} from '@wsgate/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createIoRedisCommand,
  RedisConnectionSlots,
  RedisTicketStore,
  type RedisCommand,
  type RedisTicketStoreOptions,
} from '../src/index.js';
import { closeAllClients, ioredisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const TTL = 10_000;
const IP = '127.0.0.1';
let modern: RedisServer;
/** A server without GETDEL, as Redis < 6.2. */
let legacy: RedisServer;
let modernClient: Redis;
let legacyClient: Redis;

beforeAll(async () => {
  [modern, legacy] = await Promise.all([
    startRedisServer({ extraArgs: ['--enable-debug-command', 'yes'] }),
    startRedisServer({ extraArgs: ['--rename-command', 'GETDEL', ''] }),
  ]);
  [modernClient, legacyClient] = await Promise.all([ioredisClient(modern), ioredisClient(legacy)]);
});

afterAll(async () => {
  await closeAllClients();
  await Promise.all([modern?.stop(), legacy?.stop()]);
});

beforeEach(async () => {
  await Promise.all([modernClient.flushdb(), legacyClient.flushdb()]);
});

/** A command that records every command it sends (name first). */
function recording(client: Redis): { command: RedisCommand; sent: string[][] } {
  const inner = createIoRedisCommand(client);
  const sent: string[][] = [];
  return {
    sent,
    command: (args) => {
      sent.push([...args]);
      return inner(args);
    },
  };
}

const names = (sent: string[][]) => sent.map((args) => args[0]!.toUpperCase());

function record(subject = 'alice'): TicketRecord {
  const now = Date.now();
  return { v: 1, subject, issuedAt: now, expiresAt: now + TTL };
}

function store(command: RedisCommand, options: Partial<RedisTicketStoreOptions> = {}): RedisTicketStore {
  return new RedisTicketStore({ command, ...options });
}

/** Loads both scripts into the server's cache (the first EVALSHA of a fresh server gets NOSCRIPT → EVAL). */
async function warmScripts(client: Redis): Promise<void> {
  const warm = store(createIoRedisCommand(client));
  await warm.put('warm-up', record('warm-up'), TTL);
  await warm.take('warm-up');
}

describe('one round trip per operation', () => {
  it('issues with one EVALSHA and redeems with one EVALSHA through the ticket service', async () => {
    await warmScripts(modernClient);
    const spy = recording(modernClient);
    const tickets = createTicketService({ store: store(spy.command) });
    const { ticket } = await tickets.issue({ subject: 'alice', sessionId: 's-1', ip: IP });
    expect(names(spy.sent)).toEqual(['EVALSHA']);
    spy.sent.length = 0;
    expect((await tickets.redeem(ticket, { ip: IP })).ok).toBe(true);
    expect(names(spy.sent)).toEqual(['EVALSHA']);
    // The take also maintained the subject's index, inside the same script.
    expect(await modernClient.exists('wsgate:t:s:alice')).toBe(0);
  });

  it('takes with the script, never GETDEL and never GET then DEL from the client', async () => {
    await warmScripts(modernClient);
    const spy = recording(modernClient);
    const tickets = store(spy.command);
    await tickets.put('k1', record(), TTL);
    spy.sent.length = 0;
    expect(await tickets.take('k1')).toMatchObject({ subject: 'alice' });
    expect(await tickets.take('k1')).toBeUndefined();
    expect(names(spy.sent)).toEqual(['EVALSHA', 'EVALSHA']);
  });

  it('takes atomically on a server without GETDEL (Redis < 6.2), once of 50 concurrent takes from two connections', async () => {
    const other = await ioredisClient(legacy);
    const a = store(createIoRedisCommand(legacyClient));
    const b = store(createIoRedisCommand(other));
    await a.put('contested', record(), TTL);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? a : b).take('contested')),
    );
    expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    expect(await legacyClient.exists('wsgate:t:contested', 'wsgate:t:s:alice')).toBe(0);
  });

  it('accepts every deprecated takeStrategy value and takes the same way', async () => {
    await warmScripts(legacyClient);
    for (const takeStrategy of ['auto', 'getdel', 'lua'] as const) {
      const spy = recording(legacyClient);
      const tickets = store(spy.command, { takeStrategy });
      await tickets.put(`k-${takeStrategy}`, record(), TTL);
      expect(await tickets.take(`k-${takeStrategy}`)).toMatchObject({ subject: 'alice' });
      expect(names(spy.sent)).toEqual(['EVALSHA', 'EVALSHA']);
    }
  });

  it('never retries a take that timed out: one command is sent, and the ticket is burnt', async () => {
    const spy = recording(modernClient);
    const tickets = store(spy.command, { commandTimeoutMs: 100 });
    await warmScripts(modernClient);
    await tickets.put('k1', record(), TTL);
    spy.sent.length = 0;
    const blocker = await ioredisClient(modern, { enableOfflineQueue: true, maxRetriesPerRequest: null });
    const sleeping = blocker.call('DEBUG', 'SLEEP', '0.5').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(tickets.take('k1')).rejects.toBeInstanceOf(TicketStoreUnavailableError);
    await sleeping;
    expect(names(spy.sent)).toEqual(['EVALSHA']);
    // The take ran once the server woke up: the ticket is gone, never handed out twice.
    await expect.poll(() => modernClient.exists('wsgate:t:k1')).toBe(0);
    expect(await tickets.take('k1')).toBeUndefined();
  });
});

describe('scripts', () => {
  it('loads a script with EVAL when the server lost its script cache (SCRIPT FLUSH, restart)', async () => {
    const spy = recording(modernClient);
    const tickets = store(spy.command);
    await tickets.put('k1', record(), TTL);
    await modernClient.call('SCRIPT', 'FLUSH');
    spy.sent.length = 0;
    await tickets.put('k2', record(), TTL);
    expect(names(spy.sent)).toEqual(['EVALSHA', 'EVAL']);
    spy.sent.length = 0;
    await tickets.put('k3', record(), TTL);
    expect(names(spy.sent)).toEqual(['EVALSHA']);
    await modernClient.call('SCRIPT', 'FLUSH');
    spy.sent.length = 0;
    expect(await tickets.take('k1')).toBeDefined();
    expect(names(spy.sent)).toEqual(['EVALSHA', 'EVAL']);
    expect(await modernClient.zrange('wsgate:t:s:alice', '0', '-1')).toEqual(['k2', 'k3']);
  });

  it('drops the oldest tickets of a subject only, and prunes members whose ticket is gone', async () => {
    const tickets = store(createIoRedisCommand(modernClient), { maxPerSubject: 2 });
    const base = Date.now();
    const at = (subject: string, offset: number): TicketRecord => ({
      v: 1,
      subject,
      issuedAt: base + offset,
      expiresAt: base + TTL,
    });
    await tickets.put('a1', at('alice', 1), TTL);
    await tickets.put('a2', at('alice', 2), TTL);
    await tickets.put('b1', at('bob', 3), TTL);
    // The ticket vanishes behind the store's back (e.g. an operator's DEL): its member is stale.
    await modernClient.del('wsgate:t:a2');
    await tickets.put('a3', at('alice', 4), TTL);
    // a2's stale member did not count: a1 survived.
    expect(await modernClient.zrange('wsgate:t:s:alice', '0', '-1')).toEqual(['a1', 'a3']);
    await tickets.put('a4', at('alice', 5), TTL);
    expect(await modernClient.zrange('wsgate:t:s:alice', '0', '-1')).toEqual(['a3', 'a4']);
    expect(await modernClient.exists('wsgate:t:a1')).toBe(0);
    expect(await modernClient.zrange('wsgate:t:s:bob', '0', '-1')).toEqual(['b1']);
  });

  it('takes a record that is not JSON, leaving the subject sets alone', async () => {
    const tickets = store(createIoRedisCommand(modernClient));
    await tickets.put('a1', record('alice'), TTL);
    await modernClient.set('wsgate:t:junk', '{"v":1,"subject":', 'PX', TTL);
    await modernClient.set('wsgate:t:odd', '{"v":1,"subject":{"not":"a string"}}', 'PX', TTL);
    expect(await tickets.take('junk')).toBeUndefined();
    expect(await tickets.take('odd')).toBeUndefined();
    expect(await modernClient.exists('wsgate:t:junk', 'wsgate:t:odd')).toBe(0);
    expect(await modernClient.zrange('wsgate:t:s:alice', '0', '-1')).toEqual(['a1']);
  });
});

describe('the connection slot folded into the redeem (RedisTicketStore slots option)', () => {
  it('authorizes an upgrade with the shared caps in one round trip: the take and the slot in one EVALSHA', async () => {
    const spy = recording(modernClient);
    const slots = new RedisConnectionSlots({ command: spy.command, prefix: 'rt:slots:' });
    try {
      const gate = createWsGate({
        origins: { allow: 'https://app.example.com' },
        tickets: { store: store(spy.command, { slots }) },
        connections: { maxPerSubject: 2, slots },
      });
      const upgrade = async () => {
        const { ticket } = await gate.tickets.issue({ subject: 'alice', sessionId: 's', ip: IP });
        spy.sent.length = 0;
        const result = await gate.authorizeUpgrade(handshake(ticket));
        return { result, sent: names(spy.sent) };
      };
      const first = await upgrade(); // may load the script (NOSCRIPT → EVAL) on a fresh server
      expect(first.result.ok).toBe(true);
      const second = await upgrade();
      expect(second.result.ok).toBe(true);
      expect(second.sent).toEqual(['EVALSHA']);
      const third = await upgrade();
      expect(third.result).toMatchObject({ ok: false, status: 429, reason: 'subject_connection_limit' });
      expect(third.sent).toEqual(['EVALSHA']);
      // The slots are really held in Redis, where another instance counts them.
      const other = new RedisConnectionSlots({
        command: createIoRedisCommand(modernClient),
        prefix: 'rt:slots:',
      });
      try {
        expect(
          await other.acquire({ subject: 'alice', address: IP }, { maxPerSubject: 2, maxPerAddress: 100 }),
        ).toEqual({ ok: false, reason: 'subject_connection_limit' });
        if (!first.result.ok) throw new Error('expected an acceptance');
        first.result.reservation.release();
        await vi.waitFor(async () =>
          expect(
            await other.acquire({ subject: 'alice', address: IP }, { maxPerSubject: 2, maxPerAddress: 100 }),
          ).toEqual({ ok: true }),
        );
      } finally {
        await other.close();
      }
      await gate.tickets.close();
    } finally {
      await slots.close();
    }
  });

  it('gives the folded slot back when the ticket is refused after the take (another address)', async () => {
    const command = createIoRedisCommand(modernClient);
    const slots = new RedisConnectionSlots({ command, prefix: 'rt2:slots:' });
    try {
      const gate = createWsGate({
        origins: { allow: 'https://app.example.com' },
        tickets: { store: store(command, { slots }) },
        connections: { maxPerSubject: 1, slots },
      });
      const { ticket } = await gate.tickets.issue({ subject: 'alice', sessionId: 's', ip: '10.1.1.1' });
      await expect(gate.authorizeUpgrade(handshake(ticket))).resolves.toMatchObject({
        reason: 'ip_mismatch',
      });
      await vi.waitFor(async () =>
        expect(await modernClient.exists('rt2:slots:i:' + slots.instanceId)).toBe(0),
      );
      const next = await gate.tickets.issue({ subject: 'alice', sessionId: 's', ip: IP });
      await expect(gate.authorizeUpgrade(handshake(next.ticket))).resolves.toMatchObject({ ok: true });
      await gate.tickets.close();
    } finally {
      await slots.close();
    }
  });
});

/** A WebSocket handshake from 127.0.0.1 presenting `ticket` in the query. */
function handshake(ticket: string): HandshakeRequest {
  return {
    method: 'GET',
    url: `/ws?ticket=${ticket}`,
    remoteAddress: IP,
    encrypted: false,
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
  };
}
