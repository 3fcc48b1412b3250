import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryTicketStore,
  TicketKeyExistsError,
  TicketStoreClosedError,
  TicketStoreFullError,
  WsGateConfigError,
  type MemoryTicketStoreOptions,
  type TicketRecord,
} from '../src/index.js';
import { fakeClock } from './helpers.js';

const TTL = 10_000;

function record(
  subject: string,
  issuedAt: number,
  ttlMs = TTL,
  extra: Partial<TicketRecord> = {},
): TicketRecord {
  return { v: 1, subject, issuedAt, expiresAt: issuedAt + ttlMs, ...extra };
}

const stores: MemoryTicketStore[] = [];

function memoryStore(options: MemoryTicketStoreOptions = {}): MemoryTicketStore {
  const store = new MemoryTicketStore({ sweepIntervalMs: 0, ...options });
  stores.push(store);
  return store;
}

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('put and take', () => {
  it('takes a record exactly once', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    const stored = record('alice', time.now, TTL, { sessionId: 's-1', ip: '127.0.0.1' });
    await store.put('k1', stored, TTL);
    expect(store.size).toBe(1);
    expect(await store.take('k1')).toEqual(stored);
    expect(await store.take('k1')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('returns undefined for an unknown key', async () => {
    const store = memoryStore();
    expect(await store.take('nope')).toBeUndefined();
  });

  it('refuses to overwrite an existing key and keeps the first record', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    const first = record('alice', time.now);
    await store.put('k1', first, TTL);
    await expect(store.put('k1', record('mallory', time.now), TTL)).rejects.toBeInstanceOf(
      TicketKeyExistsError,
    );
    expect(store.size).toBe(1);
    expect(await store.take('k1')).toEqual(first);
  });

  it('honours a ttl shorter than the record expiry', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    await store.put('k1', record('alice', time.now, 60_000), 1_000);
    await store.put('k2', record('alice', time.now, 60_000), 1_000);
    expect((await store.take('k1'))?.expiresAt).toBe(time.now + 1_000);
    time.advance(1_000);
    store.sweep();
    expect(await store.take('k2')).toBeUndefined();
  });

  it('keeps the record expiry when the ttl is longer', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    await store.put('k1', record('alice', time.now, 1_000), 60_000);
    expect((await store.take('k1'))?.expiresAt).toBe(time.now + 1_000);
  });
});

describe('bounds', () => {
  it('fails closed when full, without evicting any earlier ticket', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxEntries: 5 });
    for (let index = 0; index < 5; index += 1)
      await store.put(`k${index}`, record(`user-${index}`, time.now), TTL);
    const refused = store.put('k5', record('user-5', time.now), TTL);
    await expect(refused).rejects.toBeInstanceOf(TicketStoreFullError);
    await expect(refused).rejects.toMatchObject({
      code: 'WSGATE_TICKET_STORE_FULL',
      statusCode: 503,
      closeCode: 1013,
    });
    expect(store.size).toBe(5);
    for (let index = 0; index < 5; index += 1)
      expect((await store.take(`k${index}`))?.subject).toBe(`user-${index}`);
    expect(await store.take('k5')).toBeUndefined();
  });

  it('sweeps expired tickets to make room when full', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxEntries: 3 });
    await store.put('old-1', record('a', time.now, 1_000), 1_000);
    await store.put('old-2', record('b', time.now, 1_000), 1_000);
    await store.put('fresh', record('c', time.now, 60_000), 60_000);
    time.advance(1_000);
    await store.put('new', record('d', time.now), TTL);
    expect(store.size).toBe(2);
    expect(await store.take('old-1')).toBeUndefined();
    expect(await store.take('old-2')).toBeUndefined();
    expect((await store.take('fresh'))?.subject).toBe('c');
    expect((await store.take('new'))?.subject).toBe('d');
  });

  it("drops only the subject's oldest ticket past maxPerSubject", async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxPerSubject: 3 });
    await store.put('bob-1', record('bob', time.now), TTL);
    for (let index = 1; index <= 3; index += 1) {
      time.advance(1);
      await store.put(`alice-${index}`, record('alice', time.now), TTL);
    }
    await store.put('bob-2', record('bob', time.now), TTL);
    time.advance(1);
    await store.put('alice-4', record('alice', time.now), TTL);
    expect(store.size).toBe(5);
    expect(await store.take('alice-1')).toBeUndefined();
    for (const key of ['alice-2', 'alice-3', 'alice-4', 'bob-1', 'bob-2'])
      expect(await store.take(key)).toBeDefined();
  });

  it.each([
    ['oldest', 'a1', ['a2', 'a3', 'a4']],
    ['middle', 'a2', ['a1', 'a3', 'a4']],
    ['newest', 'a3', ['a1', 'a2', 'a4']],
  ])("keeps the subject's list right after taking its %s ticket", async (_label, taken, kept) => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxPerSubject: 3 });
    for (const key of ['a1', 'a2', 'a3']) await store.put(key, record('alice', time.now), TTL);
    await store.put('b1', record('bob', time.now), TTL);
    expect(await store.take(taken)).toBeDefined();
    // Two tickets left: a4 fits without dropping anything, a5 then drops the oldest survivor.
    await store.put('a4', record('alice', time.now), TTL);
    expect(store.size).toBe(4);
    await store.put('a5', record('alice', time.now), TTL);
    expect(store.size).toBe(4);
    expect(await store.take(kept[0]!)).toBeUndefined();
    for (const key of [...kept.slice(1), 'a5', 'b1']) expect(await store.take(key), key).toBeDefined();
    expect(store.size).toBe(0);
  });

  it('counts only outstanding tickets against maxPerSubject', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxPerSubject: 2 });
    await store.put('a1', record('alice', time.now), TTL);
    await store.put('a2', record('alice', time.now), TTL);
    await store.take('a1');
    await store.put('a3', record('alice', time.now), TTL);
    expect((await store.take('a2'))?.subject).toBe('alice');
    expect((await store.take('a3'))?.subject).toBe('alice');
  });

  it("keeps enforcing maxPerSubject after a sweep removed the subject's other tickets", async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxEntries: 3, maxPerSubject: 2 });
    await store.put('a1', record('alice', time.now, 1_000), 1_000);
    await store.put('b1', record('bob', time.now, 1_000), 1_000);
    await store.put('c1', record('carol', time.now, 60_000), 60_000);
    time.advance(1_000);
    // Full: this put sweeps a1 and b1 (alice's only earlier ticket), then stores a2.
    await store.put('a2', record('alice', time.now), TTL);
    await store.put('a3', record('alice', time.now), TTL);
    // alice holds a2 and a3, her limit: a4 replaces her oldest (a2) instead of failing as "full".
    await store.put('a4', record('alice', time.now), TTL);
    expect(store.size).toBe(3);
    expect(await store.take('a2')).toBeUndefined();
    for (const key of ['a3', 'a4', 'c1']) expect(await store.take(key)).toBeDefined();
  });
});

describe('sweep', () => {
  it('removes expired tickets and keeps the others', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    await store.put('short', record('alice', time.now, 1_000), 1_000);
    await store.put('long', record('alice', time.now, 5_000), 5_000);
    store.sweep();
    expect(store.size).toBe(2);
    time.advance(999);
    store.sweep();
    expect(store.size).toBe(2);
    time.advance(1);
    store.sweep();
    expect(store.size).toBe(1);
    expect(await store.take('short')).toBeUndefined();
    expect((await store.take('long'))?.subject).toBe('alice');
  });

  it('may hand out an expired record that was not swept yet (the service checks expiresAt)', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    await store.put('k', record('alice', time.now, 1_000), 1_000);
    time.advance(5_000);
    expect((await store.take('k'))?.expiresAt).toBe(time.now - 4_000);
  });

  it('runs on an unref()ed interval timer that close() clears', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const store = new MemoryTicketStore({ sweepIntervalMs: 1_000 });
    stores.push(store);
    expect(vi.getTimerCount()).toBe(1);
    await store.put('k', record('alice', Date.now(), 500), 500);
    vi.advanceTimersByTime(999);
    expect(store.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('unrefs the real sweep timer and clears it on close', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    const store = new MemoryTicketStore({ sweepIntervalMs: 60_000 });
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await store.close();
    expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
  });

  it('starts no timer when sweepIntervalMs is 0', () => {
    vi.useFakeTimers();
    memoryStore({ sweepIntervalMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('close', () => {
  it('refuses use after close, and close is idempotent', async () => {
    const store = memoryStore();
    await store.put('k', record('alice', Date.now()), TTL);
    await store.close();
    await store.close();
    expect(store.size).toBe(0);
    await expect(store.take('k')).rejects.toBeInstanceOf(TicketStoreClosedError);
    await expect(store.put('k2', record('alice', Date.now()), TTL)).rejects.toBeInstanceOf(
      TicketStoreClosedError,
    );
    await expect(store.take('k')).rejects.toMatchObject({ code: 'WSGATE_STORE_CLOSED', statusCode: 503 });
  });
});

describe('packed records', () => {
  it('returns records equal to those stored, claims by reference', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock });
    const claims = { roles: ['member'] };
    const records: TicketRecord[] = [
      record('a', time.now, TTL, {
        sessionId: 's',
        claims,
        ip: '127.0.0.1',
        origin: 'http://127.0.0.1:3000',
      }),
      record('b', time.now + 0.5, TTL, { ip: '255.255.255.255', origin: 'https://app.example.com' }),
      record('c', time.now, TTL, { ip: '0.0.0.0' }),
      record('d', time.now, TTL, { ip: '2001:db8::1' }),
      record('e', time.now, TTL, { ip: '010.0.0.1' }),
      record('f', time.now, TTL, { ip: '::ffff:10.0.0.1' }),
      record('g', time.now, TTL),
      ...[
        '1.2.3.04',
        '1.2.3',
        '1.2.3.4.5',
        '1..2.3',
        '.1.2.3',
        '256.1.1.1',
        '1.2.3.4 ',
        'a.b.c.d',
        '00.1.2.3',
        '10.0.0.0',
      ].map((ip) => record('h', time.now, TTL, { ip })),
    ];
    for (const [index, stored] of records.entries()) await store.put(`k${index}`, stored, 2 * TTL);
    for (const [index, stored] of records.entries()) {
      const taken = await store.take(`k${index}`);
      expect(taken).toEqual(stored);
      expect(taken?.ip).toBe(stored.ip);
    }
    await store.put('again', record('a', time.now, TTL, { claims }), TTL);
    expect((await store.take('again'))?.claims).toBe(claims);
  });

  it('reads back any ip exactly as it was stored', async () => {
    const store = memoryStore();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), fc.string({ maxLength: 20 })),
        async (ip) => {
          await store.put('k', record('alice', Date.now(), TTL, { ip }), TTL);
          expect((await store.take('k'))?.ip).toBe(ip);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('keeps thousands of tickets across pages and reuses freed slots', async () => {
    const time = fakeClock();
    const store = memoryStore({ clock: time.clock, maxEntries: 20_000 });
    for (let index = 0; index < 10_000; index += 1) {
      await store.put(
        `k${index}`,
        record(`user-${index}`, time.now, TTL, { ip: `10.0.${index >> 8}.${index & 255}` }),
        TTL,
      );
    }
    for (let index = 0; index < 10_000; index += 2)
      expect((await store.take(`k${index}`))?.subject).toBe(`user-${index}`);
    for (let index = 10_000; index < 15_000; index += 1)
      await store.put(`k${index}`, record(`user-${index}`, time.now), TTL);
    expect(store.size).toBe(10_000);
    for (let index = 1; index < 10_000; index += 2) {
      const taken = await store.take(`k${index}`);
      expect(taken?.subject).toBe(`user-${index}`);
      expect(taken?.ip).toBe(`10.0.${index >> 8}.${index & 255}`);
    }
    for (let index = 10_000; index < 15_000; index += 1)
      expect((await store.take(`k${index}`))?.subject).toBe(`user-${index}`);
    expect(store.size).toBe(0);
  });

  it('behaves like a plain map with per-subject lists under random operations', async () => {
    type Op =
      | { kind: 'put'; key: number; subject: number; ttl: number }
      | { kind: 'take'; key: number }
      | { kind: 'advance'; ms: number }
      | { kind: 'sweep' };
    // A small key space, so that takes hit live tickets and subjects fill up.
    const op = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('put' as const),
          key: fc.nat(15),
          subject: fc.nat(2),
          ttl: fc.integer({ min: 1, max: 60 }),
        }),
        weight: 4,
      },
      { arbitrary: fc.record({ kind: fc.constant('take' as const), key: fc.nat(15) }), weight: 3 },
      {
        arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 20 }) }),
        weight: 1,
      },
      { arbitrary: fc.constant({ kind: 'sweep' as const }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 150 }), async (ops: Op[]) => {
        const MAX_ENTRIES = 10;
        const MAX_PER_SUBJECT = 3;
        const time = fakeClock();
        const store = new MemoryTicketStore({
          clock: time.clock,
          sweepIntervalMs: 0,
          maxEntries: MAX_ENTRIES,
          maxPerSubject: MAX_PER_SUBJECT,
        });
        // The reference: the obvious Map + per-subject arrays, oldest first.
        const model = new Map<string, TicketRecord>();
        const bySubject = new Map<string, string[]>();
        const forget = (key: string) => {
          const known = model.get(key);
          if (known === undefined) return;
          model.delete(key);
          const list = bySubject.get(known.subject)!;
          list.splice(list.indexOf(key), 1);
          if (list.length === 0) bySubject.delete(known.subject);
        };
        const modelSweep = () => {
          for (const [key, known] of model) if (known.expiresAt <= time.now) forget(key);
        };
        for (const step of ops) {
          if (step.kind === 'put') {
            const key = `k${step.key}`;
            const stored = record(`s${step.subject}`, time.now, step.ttl, { ip: `10.0.0.${step.key}` });
            let expected: string;
            if (model.has(key)) {
              expected = 'exists';
            } else {
              const list = bySubject.get(stored.subject);
              if (list !== undefined && list.length >= MAX_PER_SUBJECT) forget(list[0]!);
              if (model.size >= MAX_ENTRIES) modelSweep();
              if (model.size >= MAX_ENTRIES) {
                expected = 'full';
              } else {
                expected = 'ok';
                model.set(key, stored);
                bySubject.set(stored.subject, [...(bySubject.get(stored.subject) ?? []), key]);
              }
            }
            const actual = await store.put(key, stored, step.ttl).then(
              () => 'ok',
              (error: unknown) =>
                error instanceof TicketKeyExistsError
                  ? 'exists'
                  : error instanceof TicketStoreFullError
                    ? 'full'
                    : String(error),
            );
            expect(actual).toBe(expected);
          } else if (step.kind === 'take') {
            const key = `k${step.key}`;
            const expected = model.get(key);
            forget(key);
            expect(await store.take(key)).toEqual(expected);
          } else if (step.kind === 'advance') {
            time.advance(step.ms);
          } else {
            modelSweep();
            store.sweep();
          }
          expect(store.size).toBe(model.size);
        }
        for (const [key, expected] of [...model]) expect(await store.take(key)).toEqual(expected);
        await store.close();
      }),
      { numRuns: 300 },
    );
  });
});

describe('options', () => {
  it.each<[string, MemoryTicketStoreOptions]>([
    ['maxEntries 0', { maxEntries: 0 }],
    ['maxEntries 1.5', { maxEntries: 1.5 }],
    ['maxEntries NaN', { maxEntries: Number.NaN }],
    ['maxPerSubject 0', { maxPerSubject: 0 }],
    ['maxPerSubject -1', { maxPerSubject: -1 }],
    ['sweepIntervalMs -1', { sweepIntervalMs: -1 }],
    ['sweepIntervalMs Infinity', { sweepIntervalMs: Number.POSITIVE_INFINITY }],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    expect(() => new MemoryTicketStore(options)).toThrow(WsGateConfigError);
  });
});
