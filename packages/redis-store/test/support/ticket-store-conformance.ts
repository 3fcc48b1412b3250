// One behaviour suite for every TicketStore: run it against each implementation.
import {
  createTicketService,
  TicketKeyExistsError,
  TicketStoreClosedError,
  ticketKey,
  type TicketRecord,
  type TicketStore,
} from '@wsgate/core';
import { afterEach, describe, expect, it } from 'vitest';

/** Time as the store under test sees it. */
export interface ConformanceClock {
  /** Current time, epoch ms (records are stamped with it). */
  now(): number;
  /** Lets `ms` pass for the store: advance a fake clock, or really wait (Redis's own clock). */
  pass(ms: number): Promise<void>;
}

/** A store under test, and optionally a raw view of what its backend holds. */
export interface ConformanceSubject {
  store: TicketStore;
  /** Every key and every stored value/member, as text. When given, checked for raw tickets. */
  dump?(): Promise<string[]>;
}

/** Builds a fresh, empty store. */
export type MakeConformanceStore = (options: {
  maxPerSubject: number;
}) => Promise<ConformanceSubject> | ConformanceSubject;

function record(
  subject: string,
  issuedAt: number,
  ttlMs: number,
  extra: Partial<TicketRecord> = {},
): TicketRecord {
  return { v: 1, subject, issuedAt, expiresAt: issuedAt + ttlMs, ...extra };
}

const TTL = 10_000;

/**
 * Declares the TicketStore conformance suite for one implementation: take-once, refusal of an
 * existing key, expiry, the per-subject cap, concurrency, round-trip, and hashed keys only.
 */
export function describeTicketStoreConformance(
  name: string,
  makeStore: MakeConformanceStore,
  clock: ConformanceClock,
): void {
  describe(`TicketStore conformance: ${name}`, () => {
    const opened: TicketStore[] = [];
    const make = async (maxPerSubject = 16): Promise<ConformanceSubject> => {
      const subject = await makeStore({ maxPerSubject });
      opened.push(subject.store);
      return subject;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('takes a stored record exactly once', async () => {
      const { store } = await make();
      const stored = record('alice', clock.now(), TTL);
      await store.put('key-1', stored, TTL);
      expect(await store.take('key-1')).toEqual(stored);
      expect(await store.take('key-1')).toBeUndefined();
    });

    it('returns undefined for an unknown key', async () => {
      const { store } = await make();
      expect(await store.take('never-stored')).toBeUndefined();
    });

    it('refuses to put an existing key with TicketKeyExistsError and keeps the first record', async () => {
      const { store } = await make();
      const first = record('alice', clock.now(), TTL);
      await store.put('key-1', first, TTL);
      await expect(store.put('key-1', record('mallory', clock.now(), TTL), TTL)).rejects.toBeInstanceOf(
        TicketKeyExistsError,
      );
      expect(await store.take('key-1')).toEqual(first);
    });

    it('lets a ticket expire after its ttl', async () => {
      const { store } = await make();
      const tickets = createTicketService({ store, ttlMs: 150, bindIp: false, clock: clock.now });
      const issued = await tickets.issue({ subject: 'alice', ip: undefined });
      const stored = record('bob', clock.now(), 150);
      await store.put('short-lived', stored, 150);
      await clock.pass(300);
      const taken = await store.take('short-lived');
      // A store may hand back an expired record it has not swept yet; the service refuses it.
      expect(taken === undefined || taken.expiresAt <= clock.now()).toBe(true);
      const redeemed = await tickets.redeem(issued.ticket, { ip: undefined });
      expect(redeemed.ok).toBe(false);
    });

    it('caps tickets per subject by dropping only the oldest of that subject', async () => {
      const { store } = await make(3);
      const start = clock.now();
      await store.put('alice-1', record('alice', start + 1, TTL), TTL);
      await store.put('bob-1', record('bob', start + 2, TTL), TTL);
      await store.put('alice-2', record('alice', start + 3, TTL), TTL);
      await store.put('alice-3', record('alice', start + 4, TTL), TTL);
      await store.put('alice-4', record('alice', start + 5, TTL), TTL);
      expect(await store.take('alice-1')).toBeUndefined();
      for (const key of ['alice-2', 'alice-3', 'alice-4', 'bob-1'])
        expect(await store.take(key)).toBeDefined();
    });

    it('does not count taken tickets against the cap', async () => {
      const { store } = await make(2);
      const start = clock.now();
      await store.put('a-1', record('alice', start + 1, TTL), TTL);
      await store.put('a-2', record('alice', start + 2, TTL), TTL);
      expect(await store.take('a-2')).toBeDefined();
      await store.put('a-3', record('alice', start + 3, TTL), TTL);
      expect(await store.take('a-1')).toBeDefined();
      expect(await store.take('a-3')).toBeDefined();
    });

    it('gives a key to exactly one of 50 concurrent takes', async () => {
      const { store } = await make();
      await store.put('contested', record('alice', clock.now(), TTL), TTL);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take('contested')));
      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    });

    it('round-trips claims, sessionId, ip and origin', async () => {
      const { store } = await make();
      const stored = record('alice', clock.now(), TTL, {
        sessionId: 'session-42',
        claims: { roles: ['admin', 'user'], tenant: { id: 7, name: 'Ünïcode ✓' }, flag: true, none: null },
        ip: '2001:db8::1',
        origin: 'https://app.example.com',
      });
      await store.put('full', stored, TTL);
      expect(await store.take('full')).toEqual(stored);
    });

    it('holds only the SHA-256 of an issued ticket, never the ticket', async () => {
      const subject = await make();
      const tickets = createTicketService({ store: subject.store, clock: clock.now });
      const { ticket } = await tickets.issue({
        subject: 'alice',
        sessionId: 's-1',
        ip: '127.0.0.1',
        origin: 'https://app.example.com',
      });
      if (subject.dump !== undefined) {
        const held = await subject.dump();
        expect(held.length).toBeGreaterThan(0);
        expect(held.some((entry) => entry.includes(ticket))).toBe(false);
        expect(held.some((entry) => entry.includes(ticketKey(ticket)))).toBe(true);
      }
      expect(await subject.store.take(ticket)).toBeUndefined();
      expect(await subject.store.take(ticketKey(ticket))).toMatchObject({
        subject: 'alice',
        sessionId: 's-1',
      });
    });

    it('rejects put and take with TicketStoreClosedError after close(), which is idempotent', async () => {
      const { store } = await make();
      await store.close();
      await store.close();
      await expect(store.put('k', record('alice', clock.now(), TTL), TTL)).rejects.toBeInstanceOf(
        TicketStoreClosedError,
      );
      await expect(store.take('k')).rejects.toBeInstanceOf(TicketStoreClosedError);
    });
  });
}
