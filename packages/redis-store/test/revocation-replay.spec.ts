// Durable revocation: a revocation published while an instance is cut off from Redis reaches it
// as soon as it is back (replayed from the stream), exactly once. Instance B reaches Redis through
// a TCP proxy that the tests cut; instance A is connected directly. Once per client major.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisRevocationBusOptions } from '../src/index.js';
import {
  CLIENT_VARIANT_ROWS,
  type ClientTuning,
  type ClientVariant,
  type Endpoint,
} from './support/client-majors.js';
import { closeAllClients, eventually, ioredisClient } from './support/clients.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import {
  caughtUp,
  closeAllBuses,
  closedWith,
  makeInstance,
  type Instance,
} from './support/revocation-instances.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const STREAM = 'wsgate:revocations:stream';
let server: RedisServer;
let raw: Redis;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  // Small stream nodes, so that approximate trimming (MAXLEN ~, MINID ~) shows at test sizes.
  server = await startRedisServer({ extraArgs: ['--stream-node-max-entries', '10'] });
  raw = await ioredisClient(server);
});

afterEach(async () => {
  await closeAllBuses();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await raw.flushdb();
});

afterAll(async () => {
  await closeAllClients();
  await server?.stop();
});

async function proxy(): Promise<TcpProxy> {
  const started = await startTcpProxy(server);
  proxies.push(started);
  return started;
}

interface Wiring {
  /** Where the publish (command) connection goes. @default server */
  publishVia?: Endpoint;
  /** Where the subscriber connection goes. @default server */
  subscribeVia?: Endpoint;
  tuning?: ClientTuning;
  options?: Partial<RedisRevocationBusOptions>;
}

async function instance(variant: ClientVariant, wiring: Wiring = {}): Promise<Instance> {
  const made = makeInstance(
    await variant.command(wiring.publishVia ?? server, wiring.tuning),
    await variant.subscriber(wiring.subscribeVia ?? server, wiring.tuning),
    { stream: { replayRetryMs: 100 }, ...wiring.options },
  );
  await made.bus.start();
  return made;
}

describe.each(CLIENT_VARIANT_ROWS)('durable revocation (%s)', (_name, variant) => {
  it('applies a logout published while B was cut off as soon as B is back, once, and never again', async () => {
    const cutoff = await proxy();
    const a = await instance(variant);
    const b = await instance(variant, { publishVia: cutoff, subscribeVia: cutoff });
    const aliceOnB = b.connect('alice', 's-1');
    const bobOnB = b.connect('bob', 's-2');

    cutoff.cut();
    await eventually(() => b.logged('warn', 'revocation bus disconnected') > 0, 5_000, 'B to notice');
    const published = await a.bus.revokeSession('s-1', 'logged out');
    // Only A's own subscription heard it on the channel: B really missed it there.
    expect(published.receivers).toBe(1);
    expect(aliceOnB.close).not.toHaveBeenCalled();

    cutoff.restore();
    await eventually(closedWith(aliceOnB, 'logged out'), 5_000, 'B to apply the missed logout');
    await eventually(() => b.logged('info', caughtUp(1)) === 1, 5_000, 'B to finish its replay');
    expect(aliceOnB.close).toHaveBeenCalledTimes(1);
    expect(bobOnB.close).not.toHaveBeenCalled();

    // Pub/sub is the fast path again.
    await a.bus.revokeSession('s-2');
    await eventually(closedWith(bobOnB), 1_000, 'B to apply a live revocation');

    // Another cut: the replay does not apply the old revocations again (a new socket of the
    // same session stays open), and applies nothing it received live.
    const aliceAgain = b.connect('alice', 's-1');
    cutoff.cut();
    await eventually(() => b.logged('warn', 'revocation bus disconnected') >= 2, 5_000, 'B to notice');
    cutoff.restore();
    await eventually(() => b.logged('info', caughtUp(0)) === 1, 5_000, 'B to finish its second replay');
    expect(aliceAgain.close).not.toHaveBeenCalled();
    expect(bobOnB.close).toHaveBeenCalledTimes(1);
    // node-redis reports the dropped socket as an error; nothing else went wrong.
    expect(b.logged('error', /^(?!revocation bus error: Socket closed unexpectedly$)/)).toBe(0);
  });

  it('replays what was missed after CLIENT KILL TYPE pubsub', async () => {
    // B's subscriber reaches Redis through a proxy that refuses new connections: once Redis
    // kills it, B cannot resubscribe (clients reconnect at once) until the proxy lets it.
    const gate = await proxy();
    const a = await instance(variant);
    const b = await instance(variant, { subscribeVia: gate });
    const onB = b.connect('bob', 's-2');

    gate.refuseNew();
    const killed = Number(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    expect(killed).toBeGreaterThanOrEqual(2);
    await eventually(() => b.logged('warn', 'revocation bus disconnected') > 0, 5_000, 'B to notice');
    await a.bus.revokeSubject('bob', 'account disabled');
    expect(onB.close).not.toHaveBeenCalled();

    gate.restore();
    await eventually(closedWith(onB, 'account disabled'), 5_000, 'B to apply the missed revocation');
    await eventually(() => b.logged('info', caughtUp(1)) === 1, 5_000, 'B to finish its replay');
    // A was killed too, and published it itself: its replay skips its own entry.
    await eventually(() => a.logged('info', caughtUp(0)) === 1, 5_000, 'A to finish its replay');
    expect(onB.close).toHaveBeenCalledTimes(1);
  });

  it('retries the replay until the command connection is back', async () => {
    const publishPath = await proxy();
    const subscribePath = await proxy();
    const a = await instance(variant);
    const b = await instance(variant, { publishVia: publishPath, subscribeVia: subscribePath });
    const onB = b.connect('carol', 's-3');

    publishPath.cut();
    subscribePath.cut();
    await eventually(() => b.logged('warn', 'revocation bus disconnected') > 0, 5_000, 'B to notice');
    await a.bus.revokeSession('s-3');
    subscribePath.restore();
    // Subscribed again, but the replay cannot read the stream yet: it says so and retries.
    await eventually(
      () =>
        b.logged('warn', /^revocation bus: replaying missed revocations failed .*; retrying in 100 ms$/) > 0,
      5_000,
      'B to report the failed replay',
    );
    expect(onB.close).not.toHaveBeenCalled();
    publishPath.restore();
    await eventually(closedWith(onB), 5_000, 'B to apply it once the command connection is back');
    expect(onB.close).toHaveBeenCalledTimes(1);
  });
});

describe('the revocation stream', () => {
  const variant = CLIENT_VARIANT_ROWS[1]![1];

  it('is bounded by length and by age, and expires when idle', async () => {
    const a = await instance(variant, { options: { stream: { maxLength: 20, maxAgeMs: 2_000 } } });
    for (let index = 0; index < 100; index += 1) await a.bus.revokeSession(`s-${index}`);
    // Approximate trimming removes whole stream nodes (10 entries here).
    expect(await raw.xlen(STREAM)).toBeLessThanOrEqual(30);
    expect(await raw.pttl(STREAM)).toBeGreaterThan(0);
    expect(await raw.pttl(STREAM)).toBeLessThanOrEqual(2_000);

    const aged = await instance(variant, {
      options: { stream: { key: 'aged', maxLength: 1_000, maxAgeMs: 300 } },
    });
    for (let index = 0; index < 10; index += 1) await aged.bus.revokeSession(`old-${index}`);
    expect(await raw.xlen('aged')).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await aged.bus.revokeSession('new');
    const left = (await raw.xrange('aged', '-', '+')).map(([, fields]) => JSON.parse(fields[1]!).id);
    expect(left).toEqual(['new']);
  });

  it('holds each revocation as a v1 message without the publisher-added entry id', async () => {
    const a = await instance(variant);
    await a.bus.revokeSubject('alice', 'why');
    const [[id, fields]] = (await raw.xrange(STREAM, '-', '+')) as [[string, string[]]];
    expect(id).toMatch(/^\d+-\d+$/);
    expect(fields[0]).toBe('m');
    expect(JSON.parse(fields[1]!)).toEqual({
      v: 1,
      kind: 'subject',
      id: 'alice',
      reason: 'why',
      from: a.bus.instanceId,
    });
  });

  it('with stream: false, publishes on the channel only, and a cut-off instance misses what was published meanwhile', async () => {
    const cutoff = await proxy();
    const a = await instance(variant, { options: { stream: false } });
    const b = await instance(variant, {
      publishVia: cutoff,
      subscribeVia: cutoff,
      options: { stream: false },
    });
    const missed = b.connect('alice', 's-1');
    const later = b.connect('bob', 's-2');
    cutoff.cut();
    await eventually(() => b.logged('warn', 'revocation bus disconnected') > 0, 5_000, 'B to notice');
    await a.bus.revokeSession('s-1');
    cutoff.restore();
    await eventually(() => b.logged('info', 'revocation bus resubscribed') > 0, 5_000, 'B to resubscribe');
    await a.bus.revokeSession('s-2');
    await eventually(closedWith(later), 1_000, 'B to apply a live revocation');
    expect(missed.close).not.toHaveBeenCalled();
    expect(await raw.exists(STREAM)).toBe(0);
  });

  it('skips stream entries that are not revocations, and keeps replaying', async () => {
    const cutoff = await proxy();
    const a = await instance(variant);
    const b = await instance(variant, { publishVia: cutoff, subscribeVia: cutoff });
    const onB = b.connect('dave', 's-4');
    cutoff.cut();
    await eventually(() => b.logged('warn', 'revocation bus disconnected') > 0, 5_000, 'B to notice');
    await raw.xadd(STREAM, '*', 'm', '{"v":1,"kind":"everyone","id":"x","from":"y"}');
    await raw.xadd(STREAM, '*', 'other', 'field');
    await a.bus.revokeSubject('dave');
    cutoff.restore();
    await eventually(closedWith(onB), 5_000, 'B to apply the revocation after the junk');
    await eventually(() => b.logged('info', caughtUp(1)) === 1, 5_000, 'B to finish its replay');
    expect(b.logged('warn', 'revocation bus ignored a malformed message')).toBe(2);
  });
});
