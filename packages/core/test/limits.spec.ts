import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CloseCode,
  createConnectionRegistry,
  createHandshakeAuthorizer,
  createMemoryConnectionSlots,
  createOriginPolicy,
  createRefusalLimiter,
  createTicketService,
  createTransportPolicy,
  createWsGate,
  generateTicket,
  HANDSHAKE_REFUSALS,
  ticketKey,
  TicketStoreUnavailableError,
  WsGateConfigError,
  type ConnectionLimits,
  type ConnectionSlotStore,
  type HandshakeAuthorizerOptions,
  type RefusalCounter,
  type RefusalLimitOptions,
  type TicketService,
  type WsGate,
  type WsGateOptions,
} from '../src/index.js';
import { createConnectionSlots, resolveConnectionLimits } from '../src/connection-slots.js';
import { FakeConnection, fakeClock, handshake, RecordingStore } from './helpers.js';

const APP = 'https://app.example.com';
const ATTACKER = '198.51.100.7';
const NEIGHBOUR = '198.51.100.8';

describe('refusal limiter', () => {
  function limiter(options: Partial<RefusalLimitOptions> = {}) {
    const time = fakeClock();
    return {
      time,
      limiter: createRefusalLimiter({ maxRefusals: 3, windowMs: 60_000, clock: time.clock, ...options }),
    };
  }

  it('blocks an address once it used up maxRefusals in the window, and only that address', () => {
    const { limiter: refusals } = limiter();
    refusals.recordRefusal(ATTACKER);
    refusals.recordRefusal(ATTACKER);
    expect(refusals.isBlocked(ATTACKER)).toBe(false);
    refusals.recordRefusal(ATTACKER);
    expect(refusals.isBlocked(ATTACKER)).toBe(true);
    expect(refusals.isBlocked(NEIGHBOUR)).toBe(false);
    expect(refusals.size).toBe(1);
  });

  it('recovers when the window ends (fake clock), and starts a fresh window', () => {
    const { limiter: refusals, time } = limiter();
    for (let index = 0; index < 3; index += 1) refusals.recordRefusal(ATTACKER);
    time.advance(59_999);
    expect(refusals.isBlocked(ATTACKER)).toBe(true);
    time.advance(1);
    expect(refusals.isBlocked(ATTACKER)).toBe(false);
    // The expired window was dropped; a new one counts from zero.
    expect(refusals.size).toBe(0);
    refusals.recordRefusal(ATTACKER);
    refusals.recordRefusal(ATTACKER);
    expect(refusals.isBlocked(ATTACKER)).toBe(false);
    refusals.recordRefusal(ATTACKER);
    expect(refusals.isBlocked(ATTACKER)).toBe(true);
  });

  it('keeps its window fixed: refusals late in a window do not extend the block', () => {
    const { limiter: refusals, time } = limiter();
    refusals.recordRefusal(ATTACKER);
    time.advance(50_000);
    refusals.recordRefusal(ATTACKER);
    refusals.recordRefusal(ATTACKER);
    refusals.recordRefusal(ATTACKER);
    expect(refusals.isBlocked(ATTACKER)).toBe(true);
    time.advance(10_000);
    expect(refusals.isBlocked(ATTACKER)).toBe(false);
  });

  it('tracks at most maxAddresses, evicting the stalest window first', () => {
    const { limiter: refusals, time } = limiter({ maxAddresses: 3 });
    for (let index = 0; index < 3; index += 1) refusals.recordRefusal('10.0.0.1');
    time.advance(1);
    refusals.recordRefusal('10.0.0.2');
    time.advance(1);
    refusals.recordRefusal('10.0.0.3');
    expect(refusals.size).toBe(3);
    expect(refusals.isBlocked('10.0.0.1')).toBe(true);

    refusals.recordRefusal('10.0.0.4');
    expect(refusals.size).toBe(3);
    // 10.0.0.1 held the oldest window: it is the one dropped (memory stays bounded).
    expect(refusals.isBlocked('10.0.0.1')).toBe(false);
    for (let index = 0; index < 1_000; index += 1)
      refusals.recordRefusal(`10.1.${index >> 8}.${index & 255}`);
    expect(refusals.size).toBe(3);
  });

  it('never blocks, nor tracks, an unknown (undefined) address', () => {
    const { limiter: refusals } = limiter({ maxRefusals: 1 });
    for (let index = 0; index < 50; index += 1) refusals.recordRefusal(undefined);
    expect(refusals.isBlocked(undefined)).toBe(false);
    expect(refusals.size).toBe(0);
  });

  it.each<[string, RefusalLimitOptions]>([
    ['maxRefusals 0', { maxRefusals: 0 }],
    ['a fractional windowMs', { windowMs: 1.5 }],
    ['a negative maxAddresses', { maxAddresses: -1 }],
    ['NaN maxRefusals', { maxRefusals: Number.NaN }],
  ])('refuses %s with WsGateConfigError', (_label, options) => {
    expect(() => createRefusalLimiter(options)).toThrow(WsGateConfigError);
  });
});

describe('handshake authorizer with bruteForce', () => {
  const services: TicketService[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
  });

  function setup(bruteForce?: HandshakeAuthorizerOptions['bruteForce']) {
    const time = fakeClock();
    const store = new RecordingStore(time.clock);
    const tickets = createTicketService({ store, clock: time.clock, ttlMs: 30_000 });
    services.push(tickets);
    const authorizer = createHandshakeAuthorizer({
      tickets,
      origins: createOriginPolicy({ allow: APP }),
      transport: createTransportPolicy(),
      // The limiter has its own clock option: give it the test's clock too.
      ...(bruteForce === undefined
        ? {}
        : { bruteForce: bruteForce === false ? false : { clock: time.clock, ...bruteForce } }),
    });
    const issue = async (ip: string) =>
      (await tickets.issue({ subject: `user@${ip}`, ip, origin: APP })).ticket;
    const present = (ticket: string, ip: string, origin = APP) =>
      authorizer.authorize(
        handshake({ url: `/ws?ticket=${ticket}`, headers: { origin }, remoteAddress: ip }),
      );
    const presentBad = (ip: string) => present(generateTicket(), ip);
    return { time, store, authorizer, issue, present, presentBad };
  }

  it('refuses with 429 TOO_MANY_REFUSALS after N refused presentations, without touching the store', async () => {
    const { store, issue, present, presentBad } = setup({ maxRefusals: 5, windowMs: 60_000 });
    for (let index = 0; index < 5; index += 1) {
      await expect(presentBad(ATTACKER)).resolves.toMatchObject({
        ok: false,
        status: 401,
        code: 'TICKET_INVALID',
      });
    }
    const valid = await issue(ATTACKER);
    const takesBefore = store.takes.length;

    const result = await present(valid, ATTACKER);
    expect(result).toEqual({
      ok: false,
      status: 429,
      code: 'TOO_MANY_REFUSALS',
      closeCode: CloseCode.RateLimited,
      reason: 'address_blocked',
      clientIp: ATTACKER,
    });
    // Blocked before any store access: the valid ticket was not taken, so not burnt.
    expect(store.takes).toHaveLength(takesBefore);
    expect(store.takes).not.toContain(ticketKey(valid));
    expect(store.inner.size).toBe(1);
  });

  it('counts every kind of refused ticket presentation (missing, malformed, duplicate, unknown)', async () => {
    const { authorizer, presentBad, issue, present } = setup({ maxRefusals: 4, windowMs: 60_000 });
    const request = (url: string) =>
      authorizer.authorize(handshake({ url, headers: { origin: APP }, remoteAddress: ATTACKER }));
    await expect(request('/ws')).resolves.toMatchObject({ code: 'TICKET_MISSING' });
    await expect(request('/ws?ticket=short')).resolves.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(request(`/ws?ticket=${generateTicket()}&ticket=${generateTicket()}`)).resolves.toMatchObject(
      {
        code: 'TICKET_INVALID',
        reason: 'duplicate',
      },
    );
    await expect(presentBad(ATTACKER)).resolves.toMatchObject({ code: 'TICKET_INVALID', reason: 'unknown' });
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({
      code: 'TOO_MANY_REFUSALS',
    });
  });

  it('does not count refusals that happen before the ticket is looked at (foreign Origin)', async () => {
    const { present, issue } = setup({ maxRefusals: 2, windowMs: 60_000 });
    for (let index = 0; index < 10; index += 1) {
      await expect(present(generateTicket(), ATTACKER, 'https://evil.example.net')).resolves.toMatchObject({
        code: 'ORIGIN_NOT_ALLOWED',
      });
    }
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({ ok: true });
  });

  it('leaves other addresses unaffected', async () => {
    const { issue, present, presentBad } = setup({ maxRefusals: 5, windowMs: 60_000 });
    for (let index = 0; index < 6; index += 1) await presentBad(ATTACKER);
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({
      code: 'TOO_MANY_REFUSALS',
    });

    await expect(present(await issue(NEIGHBOUR), NEIGHBOUR)).resolves.toMatchObject({
      ok: true,
      principal: { subject: `user@${NEIGHBOUR}` },
    });
    await expect(presentBad(NEIGHBOUR)).resolves.toMatchObject({ status: 401 });
  });

  it('recovers once the window has passed (fake clock)', async () => {
    const { time, issue, present, presentBad } = setup({ maxRefusals: 5, windowMs: 60_000 });
    for (let index = 0; index < 5; index += 1) await presentBad(ATTACKER);
    time.advance(59_000);
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({
      code: 'TOO_MANY_REFUSALS',
    });
    time.advance(1_000);
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({
      ok: true,
      principal: { subject: `user@${ATTACKER}` },
    });
  });

  it('refuses a request whose client address is unknown before looking at its ticket (no limit is skipped)', async () => {
    const store = new RecordingStore();
    const tickets = createTicketService({ store, bindIp: false });
    services.push(tickets);
    const authorizer = createHandshakeAuthorizer({
      tickets,
      origins: createOriginPolicy({ allow: APP }),
      transport: createTransportPolicy(),
      bruteForce: { maxRefusals: 1, windowMs: 60_000 },
    });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: undefined });
    const unknownPeer = handshake({
      url: `/ws?ticket=${ticket}`,
      headers: { origin: APP },
      remoteAddress: undefined,
    });
    await expect(authorizer.authorize(unknownPeer)).resolves.toMatchObject({
      ok: false,
      status: 400,
      code: 'BAD_HANDSHAKE',
      reason: 'unknown_address',
    });
    expect(store.takes).toEqual([]);
    // The ticket was not burned: the same client with a known address still gets in.
    await expect(
      authorizer.authorize(
        handshake({ url: `/ws?ticket=${ticket}`, headers: { origin: APP }, remoteAddress: '203.0.113.7' }),
      ),
    ).resolves.toMatchObject({ ok: true, clientIp: '203.0.113.7' });
  });

  it('counts refusals behind a trusted proxy that forwards a non-address (X-Forwarded-For: garbage)', async () => {
    const tickets = createTicketService({ store: new RecordingStore(), bindIp: false });
    services.push(tickets);
    const authorizer = createHandshakeAuthorizer({
      tickets,
      origins: createOriginPolicy({ allow: APP }),
      transport: createTransportPolicy({ trustProxy: 'loopback' }),
      bruteForce: { maxRefusals: 3, windowMs: 60_000 },
    });
    const garbage = (ticket: string) =>
      authorizer.authorize(
        handshake({
          url: `/ws?ticket=${ticket}`,
          headers: { origin: APP, 'x-forwarded-for': 'garbage' },
          remoteAddress: '127.0.0.1',
        }),
      );
    for (let index = 0; index < 3; index += 1)
      await expect(garbage(generateTicket())).resolves.toMatchObject({ status: 401, clientIp: '127.0.0.1' });
    await expect(garbage(generateTicket())).resolves.toMatchObject({
      status: 429,
      code: 'TOO_MANY_REFUSALS',
    });
  });

  it('with the defaults, 20 refusals from one address do not trip the limit', async () => {
    const { issue, present, presentBad } = setup();
    for (let index = 0; index < 20; index += 1)
      await expect(presentBad(ATTACKER)).resolves.toMatchObject({ status: 401 });
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({ ok: true });
  });

  it('with the defaults, the 101st presentation after 100 refusals is blocked', async () => {
    const { issue, present, presentBad } = setup();
    for (let index = 0; index < 100; index += 1) await presentBad(ATTACKER);
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({
      code: 'TOO_MANY_REFUSALS',
    });
  });

  it('bruteForce: false never blocks', async () => {
    const { issue, present, presentBad } = setup(false);
    for (let index = 0; index < 150; index += 1) await presentBad(ATTACKER);
    await expect(present(await issue(ATTACKER), ATTACKER)).resolves.toMatchObject({ ok: true });
  });

  it('rejects an invalid bruteForce option at creation', () => {
    expect(() => setup({ maxRefusals: 0 })).toThrow(WsGateConfigError);
  });
});

describe('connection slot reservations', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const alice = { subject: 'alice', sessionId: 's-alice' };
  const bob = { subject: 'bob', sessionId: 's-bob' };

  function setupSlots(limits: ConnectionLimits = {}) {
    const registry = createConnectionRegistry<FakeConnection>();
    const slots = createConnectionSlots(resolveConnectionLimits(limits), registry);
    const reserved = async (principal: typeof alice, address: string | undefined) => {
      const result = await slots.reserve(principal, address);
      if (!result.ok) throw new Error(`expected a reservation, got ${result.reason}`);
      return result.reservation;
    };
    const ok = async (principal: typeof alice, address: string | undefined) =>
      (await slots.reserve(principal, address)).ok;
    return { registry, slots, reserved, ok };
  }

  it('caps reservations per subject, across addresses', async () => {
    const { registry, slots, ok } = setupSlots({ maxPerSubject: 2 });
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    expect(await ok(alice, '10.0.0.2')).toBe(true);
    expect(await slots.reserve(alice, '10.0.0.3')).toEqual({ ok: false, reason: 'subject_connection_limit' });
    expect(await slots.reserve(alice, undefined)).toEqual({ ok: false, reason: 'subject_connection_limit' });
    expect(await ok(bob, '10.0.0.1')).toBe(true);
    // Reservations are slots, not connections: nothing is registered yet.
    expect(registry.size).toBe(0);
  });

  it('caps reservations per address, across subjects; an unknown address is not capped', async () => {
    const { slots, ok } = setupSlots({ maxPerAddress: 2 });
    expect(await ok({ subject: 'u1', sessionId: 's1' }, '10.0.0.1')).toBe(true);
    expect(await ok({ subject: 'u2', sessionId: 's2' }, '10.0.0.1')).toBe(true);
    expect(await slots.reserve({ subject: 'u3', sessionId: 's3' }, '10.0.0.1')).toEqual({
      ok: false,
      reason: 'address_connection_limit',
    });
    expect(await ok({ subject: 'u3', sessionId: 's3' }, '10.0.0.2')).toBe(true);
    for (let index = 0; index < 5; index += 1)
      expect(await ok({ subject: `anon-${index}`, sessionId: 's' }, undefined)).toBe(true);
  });

  it('gives an unattached reservation back after reservationTimeoutMs (fake timers)', async () => {
    vi.useFakeTimers();
    const { ok } = setupSlots({ maxPerSubject: 2, reservationTimeoutMs: 1_000 });
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    vi.advanceTimersByTime(999);
    expect(await ok(alice, '10.0.0.1')).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    expect(await ok(alice, '10.0.0.1')).toBe(false);
  });

  it('release() frees the slot at once, and only once', async () => {
    const { reserved, ok } = setupSlots({ maxPerSubject: 2 });
    const first = await reserved(alice, '10.0.0.1');
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    first.release();
    first.release();
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    // A double release did not hand out a second slot.
    expect(await ok(alice, '10.0.0.1')).toBe(false);
  });

  it('an attached reservation keeps counting past the timeout; unregister frees the slot', async () => {
    vi.useFakeTimers();
    const { registry, slots, reserved, ok } = setupSlots({ maxPerSubject: 1, reservationTimeoutMs: 1_000 });
    const reservation = await reserved(alice, '10.0.0.1');
    const socket = new FakeConnection('alice');
    const unregister = reservation.attach(socket);
    expect(registry.size).toBe(1);
    expect(registry.connectionsOf('alice')).toEqual([socket]);

    vi.advanceTimersByTime(10_000);
    expect(await slots.reserve(alice, '10.0.0.1')).toEqual({ ok: false, reason: 'subject_connection_limit' });
    // Releasing an attached reservation is a no-op: the socket still holds the slot.
    reservation.release();
    expect(await ok(alice, '10.0.0.2')).toBe(false);

    unregister();
    unregister();
    expect(registry.size).toBe(0);
    expect(registry.connectionsOf('alice')).toEqual([]);
    expect(await ok(alice, '10.0.0.1')).toBe(true);
    expect(await ok(alice, '10.0.0.1')).toBe(false);
  });

  it('registers a socket attached after its reservation timed out (so revocation still reaches it)', async () => {
    vi.useFakeTimers();
    const { registry, reserved, ok } = setupSlots({ maxPerSubject: 1, reservationTimeoutMs: 1_000 });
    const late = await reserved(alice, '10.0.0.1');
    vi.advanceTimersByTime(1_000);
    const socket = new FakeConnection('late');
    const unregister = late.attach(socket);
    await vi.advanceTimersByTimeAsync(0); // the slot is taken again (asynchronously, uncapped)
    expect(registry.size).toBe(1);
    expect(await ok(alice, '10.0.0.1')).toBe(false);
    expect(registry.revokeSubject('alice')).toBe(1);
    expect(socket.closes).toEqual([{ code: CloseCode.Unauthorized, reason: 'subject revoked' }]);
    unregister();
    expect(await ok(alice, '10.0.0.1')).toBe(true);
  });

  it('revokes attached sockets by session and by subject', async () => {
    const { registry, reserved } = setupSlots({ maxPerSubject: 5 });
    const sockets = [new FakeConnection('a1'), new FakeConnection('a2'), new FakeConnection('b1')];
    const principals = [alice, { subject: 'alice', sessionId: 's-other' }, bob];
    const unregisters: (() => void)[] = [];
    for (const [index, socket] of sockets.entries())
      unregisters.push((await reserved(principals[index]!, '10.0.0.1')).attach(socket));
    expect(registry.revokeSession('s-alice', 'logged out')).toBe(1);
    expect(sockets[0]!.closes).toEqual([{ code: 4401, reason: 'logged out' }]);
    expect(registry.revokeSubject('bob')).toBe(1);
    expect(sockets[2]!.closes).toEqual([{ code: 4401, reason: 'subject revoked' }]);
    expect(sockets[1]!.closes).toEqual([]);
    for (const unregister of unregisters) unregister();
    expect(registry.size).toBe(0);
  });

  it('counts in the slot store it is given, and gives back what it took', async () => {
    const calls: string[] = [];
    const memory = createMemoryConnectionSlots();
    const store: ConnectionSlotStore = {
      acquire: async (slot, limits) => {
        calls.push(`acquire ${slot.subject} ${String(slot.address)} ${limits.maxPerSubject}`);
        return memory.acquire(slot, limits);
      },
      release: async (slot) => {
        calls.push(`release ${slot.subject} ${String(slot.address)}`);
        await memory.release(slot);
      },
    };
    const { reserved } = setupSlots({ maxPerSubject: 3, slots: store });
    const unregister = (await reserved(alice, '10.0.0.1')).attach(new FakeConnection());
    (await reserved(bob, undefined)).release();
    unregister();
    expect(calls).toEqual([
      'acquire alice 10.0.0.1 3',
      'acquire bob undefined 3',
      'release bob undefined',
      'release alice 10.0.0.1',
    ]);
  });

  it.each<[string, ConnectionLimits]>([
    ['maxPerSubject 0', { maxPerSubject: 0 }],
    ['maxPerAddress 1.5', { maxPerAddress: 1.5 }],
    ['reservationTimeoutMs -1', { reservationTimeoutMs: -1 }],
    [
      'a slot store without release',
      { slots: { acquire: () => ({ ok: true }) } as unknown as ConnectionSlotStore },
    ],
  ])('refuses %s with WsGateConfigError', (_label, limits) => {
    expect(() => resolveConnectionLimits(limits)).toThrow(WsGateConfigError);
  });
});

describe('createWsGate().authorizeUpgrade connection caps', () => {
  const gates: WsGate[] = [];
  afterEach(async () => {
    await Promise.all(gates.splice(0).map((gate) => gate.tickets.close()));
  });

  function gateWith(options: Partial<WsGateOptions> = {}) {
    const store = new RecordingStore();
    const gate = createWsGate({ tickets: { store }, origins: { allow: APP }, ...options });
    gates.push(gate);
    const upgrade = async (subject: string, ip = '127.0.0.1') => {
      const { ticket } = await gate.tickets.issue({
        subject,
        sessionId: `${subject}-session`,
        ip,
        origin: APP,
      });
      return gate.authorizeUpgrade(
        handshake({ url: `/ws?ticket=${ticket}`, headers: { origin: APP }, remoteAddress: ip }),
      );
    };
    return { gate, store, upgrade };
  }

  it('refuses the upgrade past maxPerSubject with 429 TOO_MANY_CONNECTIONS, and accepts again once a slot is free', async () => {
    const { upgrade } = gateWith({ connections: { maxPerSubject: 2 } });
    const first = await upgrade('alice');
    const second = await upgrade('alice');
    expect(first.ok && second.ok).toBe(true);

    const third = await upgrade('alice');
    expect(third).toEqual({
      ok: false,
      status: 429,
      code: 'TOO_MANY_CONNECTIONS',
      closeCode: HANDSHAKE_REFUSALS.TOO_MANY_CONNECTIONS.closeCode,
      reason: 'subject_connection_limit',
      clientIp: '127.0.0.1',
    });
    expect(third.ok ? undefined : third.closeCode).toBe(4429);
    await expect(upgrade('bob')).resolves.toMatchObject({ ok: true });

    if (!first.ok) throw new Error('expected acceptance');
    first.reservation.release();
    await expect(upgrade('alice')).resolves.toMatchObject({ ok: true, principal: { subject: 'alice' } });
  });

  it('refuses the upgrade past maxPerAddress with reason address_connection_limit', async () => {
    const { upgrade } = gateWith({ connections: { maxPerAddress: 2 } });
    await expect(upgrade('u1')).resolves.toMatchObject({ ok: true });
    await expect(upgrade('u2')).resolves.toMatchObject({ ok: true });
    await expect(upgrade('u3')).resolves.toMatchObject({
      ok: false,
      status: 429,
      code: 'TOO_MANY_CONNECTIONS',
      reason: 'address_connection_limit',
    });
    await expect(upgrade('u3', '127.0.0.2')).resolves.toMatchObject({ ok: true });
  });

  it('attached sockets hold their slot until they unregister', async () => {
    const { gate, upgrade } = gateWith({ connections: { maxPerSubject: 1 } });
    const accepted = await upgrade('alice');
    if (!accepted.ok) throw new Error('expected acceptance');
    const unregister = accepted.reservation.attach(new FakeConnection());
    expect(gate.registry.size).toBe(1);
    await expect(upgrade('alice')).resolves.toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    unregister();
    await expect(upgrade('alice')).resolves.toMatchObject({ ok: true });
  });

  it('holds the caps across gates that share one slot store (two instances of a cluster)', async () => {
    const shared = createMemoryConnectionSlots();
    const asyncShared: ConnectionSlotStore = {
      acquire: async (slot, limits) => shared.acquire(slot, limits),
      release: async (slot) => shared.release(slot),
    };
    const a = gateWith({ connections: { maxPerSubject: 3, slots: asyncShared } });
    const b = gateWith({ connections: { maxPerSubject: 3, slots: asyncShared } });
    const held = [await a.upgrade('alice'), await b.upgrade('alice'), await a.upgrade('alice')];
    expect(held.every((result) => result.ok)).toBe(true);
    await expect(b.upgrade('alice')).resolves.toMatchObject({ reason: 'subject_connection_limit' });
    await expect(a.upgrade('alice')).resolves.toMatchObject({ reason: 'subject_connection_limit' });
    const first = held[0]!;
    if (!first.ok) throw new Error('expected acceptance');
    first.reservation.attach(new FakeConnection())(); // opened on A, then closed
    await vi.waitFor(async () => expect((await b.upgrade('alice')).ok).toBe(true));
  });

  it('refuses with 503 SERVICE_UNAVAILABLE when the slot store fails, and gives nothing out', async () => {
    const failing: ConnectionSlotStore = {
      acquire: async () => {
        throw new TicketStoreUnavailableError('slots down');
      },
      release: () => undefined,
    };
    const { gate, upgrade } = gateWith({ connections: { slots: failing } });
    await expect(upgrade('alice')).resolves.toMatchObject({
      ok: false,
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      reason: 'store_unavailable',
    });
    expect(gate.registry.size).toBe(0);
  });

  it('counts refusals in a shared counter: refusals on one gate block the address on the other', async () => {
    const counts = new Map<string, number>();
    const counter: RefusalCounter = {
      count: async (address) => counts.get(address) ?? 0,
      increment: async (address) => {
        counts.set(address, (counts.get(address) ?? 0) + 1);
      },
    };
    const options = { bruteForce: { maxRefusals: 3, windowMs: 60_000, counter } };
    const a = gateWith(options);
    const b = gateWith(options);
    const bad = (gate: WsGate) =>
      gate.authorizeUpgrade(
        handshake({
          url: `/ws?ticket=${generateTicket()}`,
          headers: { origin: APP },
          remoteAddress: ATTACKER,
        }),
      );
    await expect(bad(a.gate)).resolves.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(bad(b.gate)).resolves.toMatchObject({ code: 'TICKET_INVALID' });
    await expect(bad(a.gate)).resolves.toMatchObject({ code: 'TICKET_INVALID' });
    expect(counts.get(ATTACKER)).toBe(3);
    const takesBefore = b.store.takes.length;
    await expect(bad(b.gate)).resolves.toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    await expect(bad(a.gate)).resolves.toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    expect(b.store.takes.length).toBe(takesBefore);
    await expect(b.upgrade('alice')).resolves.toMatchObject({ ok: true });
  });

  it('fails closed (503) when the shared refusal counter cannot be read, and still refuses a bad ticket when it cannot count', async () => {
    const unreadable: RefusalCounter = {
      count: async () => {
        throw new TicketStoreUnavailableError('counter down');
      },
      increment: async () => undefined,
    };
    const { upgrade } = gateWith({ bruteForce: { counter: unreadable } });
    await expect(upgrade('alice')).resolves.toMatchObject({ status: 503, reason: 'store_unavailable' });
    const uncountable: RefusalCounter = {
      count: () => 0,
      increment: async () => {
        throw new TicketStoreUnavailableError('counter down');
      },
    };
    const { gate } = gateWith({ bruteForce: { counter: uncountable } });
    await expect(
      gate.authorizeUpgrade(handshake({ url: `/ws?ticket=${generateTicket()}`, headers: { origin: APP } })),
    ).resolves.toMatchObject({ status: 401, code: 'TICKET_INVALID' });
  });

  it('passes bruteForce through to the authorizer (429 TOO_MANY_REFUSALS, no store access)', async () => {
    const { store, upgrade, gate } = gateWith({ bruteForce: { maxRefusals: 2, windowMs: 60_000 } });
    const bad = () =>
      gate.authorizeUpgrade(
        handshake({
          url: `/ws?ticket=${generateTicket()}`,
          headers: { origin: APP },
          remoteAddress: ATTACKER,
        }),
      );
    await bad();
    await bad();
    const takes = store.takes.length;
    await expect(bad()).resolves.toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    expect(store.takes).toHaveLength(takes);
    await expect(upgrade('alice')).resolves.toMatchObject({ ok: true });
  });

  it('rejects invalid connection limits at creation', () => {
    expect(() => gateWith({ connections: { maxPerSubject: 0 } })).toThrow(WsGateConfigError);
  });
});
