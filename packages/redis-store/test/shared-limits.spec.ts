// Connection caps and the brute-force counter shared by several instances through one real
// redis-server (issue 18 item 4): the caps hold across instances, a dead instance's slots come
// back by themselves, an instance cut off from Redis writes its counts again when it is back,
// and Redis down fails closed. Every supported client major speaks the scripts.
import { createWsGate, WsGateConfigError, type HandshakeRequest, type SlotLimits } from '@wsgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RedisConnectionSlots,
  RedisLimitUnavailableError,
  RedisRefusalCounter,
  RedisTicketStore,
  type RedisCommand,
} from '../src/index.js';
import { CLIENT_VARIANT_ROWS, CLIENT_VARIANTS } from './support/client-majors.js';
import { closeAllClients, eventually } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const LIMITS: SlotLimits = { maxPerSubject: 3, maxPerAddress: 4 };
const alice = (address = '203.0.113.1') => ({ subject: 'alice', address });

let server: RedisServer;
let proxies: TcpProxy[] = [];
const stores: RedisConnectionSlots[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await closeAllClients();
  await Promise.all(proxies.map((proxy) => proxy.close()));
  proxies = [];
});
afterAll(async () => {
  await server?.stop();
});

let keyspace = 0;
/** A fresh key prefix per test: no test sees another's slots. */
function prefix(): string {
  keyspace += 1;
  return `test${keyspace}:slots:`;
}

function slotsOn(
  command: RedisCommand,
  options: Partial<ConstructorParameters<typeof RedisConnectionSlots>[0]> = {},
) {
  const store = new RedisConnectionSlots({ command, ...options });
  stores.push(store);
  return store;
}

/** A WebSocket handshake from 192.0.2.1 presenting `ticket`. */
function handshake(ticket: string): HandshakeRequest {
  return {
    method: 'GET',
    url: `/ws?ticket=${ticket}`,
    remoteAddress: '192.0.2.1',
    encrypted: false,
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
  };
}

const ioredis6 = CLIENT_VARIANTS.find((variant) => variant.name === 'ioredis 6')!;

describe.each(CLIENT_VARIANT_ROWS)('RedisConnectionSlots with %s', (_name, variant) => {
  it('holds the caps per subject and per address across two instances, and gives slots back', async () => {
    const keys = prefix();
    const a = slotsOn(await variant.command(server), { prefix: keys });
    const b = slotsOn(await variant.command(server), { prefix: keys });
    expect(await a.acquire(alice(), LIMITS)).toEqual({ ok: true });
    expect(await b.acquire(alice(), LIMITS)).toEqual({ ok: true });
    expect(await a.acquire(alice('203.0.113.2'), LIMITS)).toEqual({ ok: true });
    expect(await b.acquire(alice('203.0.113.3'), LIMITS)).toEqual({
      ok: false,
      reason: 'subject_connection_limit',
    });
    // The address cap counts every subject from that address, on every instance.
    expect(await b.acquire({ subject: 'bob', address: '203.0.113.1' }, LIMITS)).toEqual({ ok: true });
    expect(await a.acquire({ subject: 'carol', address: '203.0.113.1' }, LIMITS)).toEqual({ ok: true });
    expect(await b.acquire({ subject: 'dave', address: '203.0.113.1' }, LIMITS)).toEqual({
      ok: false,
      reason: 'address_connection_limit',
    });
    await a.release(alice());
    expect(await b.acquire(alice('203.0.113.9'), LIMITS)).toEqual({ ok: true });
    expect(await b.acquire({ subject: 'dave', address: '203.0.113.1' }, LIMITS)).toEqual({ ok: true });
  });
});

describe.each(CLIENT_VARIANT_ROWS)('a slot folded into the take with %s', (_name, variant) => {
  it('holds the caps across two gates whose ticket stores take the slot with the ticket', async () => {
    const keys = prefix();
    const gate = async () => {
      const command = await variant.command(server);
      const slots = slotsOn(command, { prefix: keys });
      return createWsGate({
        origins: { allow: 'https://app.example.com' },
        tickets: { store: new RedisTicketStore({ command, prefix: `${keys}t:`, slots }) },
        connections: { maxPerSubject: 2, slots },
      });
    };
    const [a, b] = [await gate(), await gate()];
    const upgrade = async (issuer: typeof a, redeemer: typeof a) => {
      const { ticket } = await issuer.tickets.issue({ subject: 'alice', sessionId: 's', ip: '192.0.2.1' });
      return redeemer.authorizeUpgrade(handshake(ticket));
    };
    const first = await upgrade(a, b);
    expect(first).toMatchObject({ ok: true, principal: { subject: 'alice' } });
    expect((await upgrade(b, a)).ok).toBe(true);
    await expect(upgrade(a, a)).resolves.toMatchObject({ status: 429, reason: 'subject_connection_limit' });
    if (!first.ok) throw new Error('expected an acceptance');
    first.reservation.attach({ close: () => undefined })(); // opened on B, then closed
    await eventually(async () => (await upgrade(b, a)).ok, 2_000, 'the released slot');
    await a.tickets.close();
    await b.tickets.close();
  });
});

describe('RedisConnectionSlots', () => {
  it('never hands out more than the cap to 40 parallel acquisitions split across two instances', async () => {
    const keys = prefix();
    const a = slotsOn(await ioredis6.command(server), { prefix: keys });
    const b = slotsOn(await ioredis6.command(server), { prefix: keys });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? a : b).acquire({ subject: 'alice', address: `198.51.100.${index}` }, LIMITS),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(LIMITS.maxPerSubject);
  });

  it("lets a dead instance's slots go once its heartbeat stops (instanceTtlMs)", async () => {
    const keys = prefix();
    const proxy = await startTcpProxy(server);
    proxies.push(proxy);
    const doomed = slotsOn(await ioredis6.command(proxy), {
      prefix: keys,
      instanceTtlMs: 600,
      heartbeatIntervalMs: 100,
    });
    const survivor = slotsOn(await ioredis6.command(server), { prefix: keys });
    for (let index = 0; index < 3; index += 1)
      expect(await doomed.acquire(alice(`192.0.2.${index}`), LIMITS)).toEqual({ ok: true });
    expect(await survivor.acquire(alice(), LIMITS)).toMatchObject({ ok: false });
    proxy.cut(); // the instance is gone for Redis: no heartbeat, no release ever again
    await eventually(
      async () => (await survivor.acquire(alice(), LIMITS)).ok,
      5_000,
      'the slots to come back',
    );
    expect(await survivor.acquire(alice('192.0.2.50'), LIMITS)).toEqual({ ok: true });
    expect(await survivor.acquire(alice('192.0.2.51'), LIMITS)).toEqual({ ok: true });
    expect(await survivor.acquire(alice('192.0.2.52'), LIMITS)).toMatchObject({ ok: false });
  });

  it('writes its counts again when it is back after its slots expired, so the caps hold again', async () => {
    const keys = prefix();
    const proxy = await startTcpProxy(server);
    proxies.push(proxy);
    const cutOff = slotsOn(await ioredis6.command(proxy, { reconnectDelayMs: 50 }), {
      prefix: keys,
      instanceTtlMs: 500,
      heartbeatIntervalMs: 100,
    });
    const other = slotsOn(await ioredis6.command(server), { prefix: keys });
    for (let index = 1; index <= 3; index += 1)
      expect(await cutOff.acquire(alice(`192.0.2.${index}`), LIMITS)).toEqual({ ok: true });
    proxy.cut();
    // Meanwhile the cut-off instance's slots expire: the other instance may use them.
    await eventually(async () => (await other.acquire(alice('192.0.2.9'), LIMITS)).ok, 5_000, 'expiry');
    await other.release(alice('192.0.2.9'));
    proxy.restore();
    // Back: its three sockets are still open, so its heartbeat writes them again.
    await eventually(
      async () => {
        const taken = await other.acquire(alice('192.0.2.4'), LIMITS);
        if (!taken.ok) return true;
        await other.release(alice('192.0.2.4'));
        return false;
      },
      5_000,
      'the resync',
    );
    await cutOff.release(alice('192.0.2.1'));
    expect(await other.acquire(alice('192.0.2.5'), LIMITS)).toEqual({ ok: true });
    expect(await other.acquire(alice('192.0.2.6'), LIMITS)).toMatchObject({ ok: false });
  });

  it('repairs a release that did not reach Redis at the next heartbeat (no slot leaks)', async () => {
    const keys = prefix();
    const proxy = await startTcpProxy(server);
    proxies.push(proxy);
    const flaky = slotsOn(await ioredis6.command(proxy, { reconnectDelayMs: 50 }), {
      prefix: keys,
      instanceTtlMs: 60_000,
      heartbeatIntervalMs: 100,
    });
    const other = slotsOn(await ioredis6.command(server), { prefix: keys });
    for (let index = 0; index < 3; index += 1)
      expect(await flaky.acquire(alice(`192.0.2.${index}`), LIMITS)).toEqual({ ok: true });
    proxy.cut();
    await flaky.release(alice('192.0.2.0')); // never reaches Redis; never rejects either
    proxy.restore();
    await eventually(async () => (await other.acquire(alice(), LIMITS)).ok, 5_000, 'the repaired count');
    expect(await other.acquire(alice('192.0.2.9'), LIMITS)).toMatchObject({ ok: false });
  });

  it('fails closed while Redis is unreachable (RedisLimitUnavailableError, 503)', async () => {
    const proxy = await startTcpProxy(server);
    proxies.push(proxy);
    const store = slotsOn(await ioredis6.command(proxy), { prefix: prefix(), commandTimeoutMs: 300 });
    proxy.cut();
    const error = await store.acquire(alice(), LIMITS).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisLimitUnavailableError);
    expect(error).toMatchObject({ code: 'WSGATE_LIMIT_UNAVAILABLE', statusCode: 503 });
  });

  it('gives every slot of the instance back on close(), and refuses acquisitions after it', async () => {
    const keys = prefix();
    const closing = slotsOn(await ioredis6.command(server), { prefix: keys });
    const other = slotsOn(await ioredis6.command(server), { prefix: keys });
    for (let index = 0; index < 3; index += 1) await closing.acquire(alice(`192.0.2.${index}`), LIMITS);
    await closing.close();
    expect(await other.acquire(alice(), LIMITS)).toEqual({ ok: true });
    await expect(closing.acquire(alice(), LIMITS)).rejects.toBeInstanceOf(RedisLimitUnavailableError);
  });

  it('caps upgrades through core across two gates (connections.slots)', async () => {
    const keys = prefix();
    const gate = async () =>
      createWsGate({
        origins: { allow: 'https://app.example.com' },
        connections: {
          maxPerSubject: 2,
          slots: slotsOn(await ioredis6.command(server), { prefix: keys }),
        },
      });
    const [a, b] = [await gate(), await gate()];
    const upgrade = async (on: typeof a) => {
      const { ticket } = await on.tickets.issue({ subject: 'alice', sessionId: 's', ip: '192.0.2.1' });
      return on.authorizeUpgrade(handshake(ticket));
    };
    const first = await upgrade(a);
    expect(first.ok && (await upgrade(b)).ok).toBe(true);
    await expect(upgrade(b)).resolves.toMatchObject({
      status: 429,
      code: 'TOO_MANY_CONNECTIONS',
      reason: 'subject_connection_limit',
    });
    if (!first.ok) throw new Error('expected an acceptance');
    first.reservation.attach({ close: () => undefined })(); // opened on A, then closed
    await eventually(async () => (await upgrade(b)).ok, 2_000, 'the released slot');
    await a.tickets.close();
    await b.tickets.close();
  });

  it.each<[string, Record<string, unknown>]>([
    ['no command', {}],
    [
      'a heartbeat not below the ttl',
      { command: async () => null, instanceTtlMs: 1_000, heartbeatIntervalMs: 1_000 },
    ],
    ['an empty prefix', { command: async () => null, prefix: '' }],
  ])('refuses %s with WsGateConfigError', (_label, options) => {
    expect(() => new RedisConnectionSlots(options as never)).toThrow(WsGateConfigError);
  });
});

describe('RedisTicketStore slots option', () => {
  it('refuses anything but a RedisConnectionSlots with WsGateConfigError', () => {
    const command: RedisCommand = async () => null;
    expect(() => new RedisTicketStore({ command, slots: {} as never })).toThrow(WsGateConfigError);
    const slots = slotsOn(command);
    expect(new RedisTicketStore({ command, slots }).slotStore).toBe(slots);
    expect(new RedisTicketStore({ command }).slotStore).toBeUndefined();
  });
});

describe.each(CLIENT_VARIANT_ROWS)('RedisRefusalCounter with %s', (_name, variant) => {
  it('counts refusals of one address across instances, and forgets them when the window ends', async () => {
    const keys = `test${(keyspace += 1)}:refusals:`;
    const a = new RedisRefusalCounter({ command: await variant.command(server), prefix: keys });
    const b = new RedisRefusalCounter({ command: await variant.command(server), prefix: keys });
    expect(await a.count('192.0.2.77')).toBe(0);
    await a.increment('192.0.2.77', 400);
    await b.increment('192.0.2.77', 400);
    await a.increment('192.0.2.77', 400);
    expect(await b.count('192.0.2.77')).toBe(3);
    expect(await a.count('192.0.2.78')).toBe(0);
    await eventually(async () => (await b.count('192.0.2.77')) === 0, 5_000, 'the window to end');
  });
});

describe('RedisRefusalCounter through a gate', () => {
  it('blocks an address on instance B after its refusals on instance A (429 before any store access)', async () => {
    const keys = `test${(keyspace += 1)}:refusals:`;
    const gate = async () => {
      const counter = new RedisRefusalCounter({ command: await ioredis6.command(server), prefix: keys });
      const created = createWsGate({
        origins: { allow: 'https://app.example.com' },
        bruteForce: { maxRefusals: 2, windowMs: 60_000, counter },
      });
      return created;
    };
    const [a, b] = [await gate(), await gate()];
    const present = (on: typeof a) => on.authorizeUpgrade(handshake('x'.repeat(43)));
    await expect(present(a)).resolves.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(present(a)).resolves.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(present(b)).resolves.toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    await a.tickets.close();
    await b.tickets.close();
  });

  it('rejects while Redis is unreachable (the gate answers 503)', async () => {
    const proxy = await startTcpProxy(server);
    proxies.push(proxy);
    const counter = new RedisRefusalCounter({
      command: await ioredis6.command(proxy),
      commandTimeoutMs: 300,
    });
    proxy.cut();
    await expect(counter.count('192.0.2.77')).rejects.toBeInstanceOf(RedisLimitUnavailableError);
  });
});
