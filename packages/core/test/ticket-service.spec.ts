import { afterEach, describe, expect, it } from 'vitest';
import {
  createTicketService,
  isTicketService,
  MemoryTicketStore,
  TICKET_LENGTH,
  ticketKey,
  TicketStoreUnavailableError,
  ticketStoreOf,
  WsGateConfigError,
  WsGateError,
  type TicketService,
  type TicketServiceOptions,
} from '../src/index.js';
import { FailingStore, fakeClock, RecordingStore, YieldingStore, type FakeClock } from './helpers.js';

const IP = '203.0.113.7';
const ORIGIN = 'https://app.example.com';
const TTL = 30_000;

let services: TicketService[] = [];

function service(options: TicketServiceOptions = {}): TicketService {
  const created = createTicketService({ ttlMs: TTL, ...options });
  services.push(created);
  return created;
}

function setup(options: TicketServiceOptions = {}): {
  tickets: TicketService;
  store: RecordingStore;
  time: FakeClock;
} {
  const time = fakeClock();
  const store = new RecordingStore(time.clock);
  return { tickets: service({ store, clock: time.clock, ...options }), store, time };
}

afterEach(async () => {
  await Promise.all(services.map((created) => created.close()));
  services = [];
});

describe('issue', () => {
  it('returns a 43-character base64url ticket expiring ttlMs from now', async () => {
    const { tickets, time } = setup();
    const issued = await tickets.issue({ subject: 'alice', ip: IP });
    expect(issued.ticket).toHaveLength(TICKET_LENGTH);
    expect(issued.ticket).toHaveLength(43);
    expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt).toBe(time.now + TTL);
  });

  it('stores the record under the SHA-256 of the ticket, never the ticket itself', async () => {
    const { tickets, store } = setup();
    const issued = await tickets.issue({
      subject: 'alice',
      sessionId: 's-1',
      claims: { roles: ['member'] },
      ip: IP,
      origin: ORIGIN,
    });
    expect(store.puts).toHaveLength(1);
    const [put] = store.puts;
    expect(put!.key).toBe(ticketKey(issued.ticket));
    expect(put!.key).not.toBe(issued.ticket);
    expect(put!.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(put!.record)).not.toContain(issued.ticket);
    expect(put!.ttlMs).toBe(TTL);
    expect(put!.record).toMatchObject({
      v: 1,
      subject: 'alice',
      sessionId: 's-1',
      claims: { roles: ['member'] },
      ip: IP,
      origin: ORIGIN,
      expiresAt: issued.expiresAt,
    });

    const redeemed = await tickets.redeem(issued.ticket, { ip: IP, origin: ORIGIN });
    expect(store.takes).toEqual([ticketKey(issued.ticket)]);
    expect(store.takes).not.toContain(issued.ticket);
    expect(redeemed.ok).toBe(true);
  });

  it('issues a different ticket every time', async () => {
    const { tickets } = setup();
    const seen = new Set<string>();
    for (let index = 0; index < 200; index += 1)
      seen.add((await tickets.issue({ subject: 'alice', ip: IP })).ticket);
    expect(seen.size).toBe(200);
  });

  it('refuses to issue without a valid client ip while bindIp is on', async () => {
    const { tickets, store } = setup();
    await expect(tickets.issue({ subject: 'alice', ip: undefined })).rejects.toBeInstanceOf(
      WsGateConfigError,
    );
    await expect(tickets.issue({ subject: 'alice', ip: 'not-an-ip' })).rejects.toBeInstanceOf(
      WsGateConfigError,
    );
    await expect(tickets.issue({ subject: 'alice', ip: '' })).rejects.toBeInstanceOf(WsGateConfigError);
    expect(store.puts).toHaveLength(0);
  });

  it('refuses an empty subject and non-string bindings', async () => {
    const { tickets } = setup();
    await expect(tickets.issue({ subject: '', ip: IP })).rejects.toBeInstanceOf(WsGateConfigError);
    await expect(tickets.issue({ subject: 'alice', ip: 42 as unknown as string })).rejects.toBeInstanceOf(
      WsGateConfigError,
    );
    await expect(
      tickets.issue({ subject: 'alice', ip: IP, sessionId: 7 as unknown as string }),
    ).rejects.toBeInstanceOf(WsGateConfigError);
  });

  it('issues without an ip when bindIp is false', async () => {
    const { tickets, store } = setup({ bindIp: false });
    const issued = await tickets.issue({ subject: 'alice', ip: undefined });
    expect(store.puts[0]!.record.ip).toBeUndefined();
    expect(await tickets.redeem(issued.ticket, { ip: '198.51.100.1' })).toMatchObject({ ok: true });
  });

  it('stores the normalised ip and origin', async () => {
    const { tickets, store } = setup();
    await tickets.issue({ subject: 'alice', ip: '::ffff:127.0.0.1', origin: 'HTTPS://App.Example.com:443' });
    expect(store.puts[0]!.record.ip).toBe('127.0.0.1');
    expect(store.puts[0]!.record.origin).toBe('https://app.example.com');
  });
});

describe('redeem', () => {
  it('returns the principal once, then unknown (replay)', async () => {
    const { tickets, time } = setup();
    const issuedAt = time.now;
    const { ticket } = await tickets.issue({
      subject: 'alice',
      sessionId: 's-1',
      claims: { tenant: 't1' },
      ip: IP,
      origin: ORIGIN,
    });
    time.advance(1_000);
    expect(await tickets.redeem(ticket, { ip: IP, origin: ORIGIN })).toEqual({
      ok: true,
      principal: { subject: 'alice', sessionId: 's-1', claims: { tenant: 't1' }, issuedAt },
    });
    expect(await tickets.redeem(ticket, { ip: IP, origin: ORIGIN })).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });

  it('gives empty claims when none were issued', async () => {
    const { tickets } = setup();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    const result = await tickets.redeem(ticket, { ip: IP });
    expect(result.ok && result.principal.claims).toEqual({});
    expect(result.ok && result.principal.sessionId).toBeUndefined();
  });

  it.each([undefined, ''])('refuses %j as missing without touching the store', async (ticket) => {
    const { tickets, store } = setup();
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'missing' });
    expect(store.takes).toHaveLength(0);
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(44)],
    ['standard base64 alphabet', `${'a'.repeat(42)}+`],
    ['padding', `${'a'.repeat(42)}=`],
    ['slash', `${'a'.repeat(42)}/`],
    ['space', `${'a'.repeat(42)} `],
    ['non-ascii', `${'a'.repeat(42)}é`],
    ['newline', `${'a'.repeat(42)}\n`],
  ])('refuses a malformed ticket (%s) without calling take', async (_label, ticket) => {
    const { tickets, store } = setup();
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'malformed' });
    expect(store.takes).toHaveLength(0);
  });

  it('refuses a non-string ticket as malformed', async () => {
    const { tickets, store } = setup();
    expect(await tickets.redeem(42 as unknown as string, { ip: IP })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(store.takes).toHaveLength(0);
  });

  it('refuses a well-formed ticket that was never issued as unknown', async () => {
    const { tickets, store } = setup();
    const never = 'A'.repeat(43);
    expect(await tickets.redeem(never, { ip: IP })).toEqual({ ok: false, reason: 'unknown' });
    expect(store.takes).toEqual([ticketKey(never)]);
  });

  it('refuses an expired ticket (fake clock), and burns it', async () => {
    const { tickets, time } = setup();
    const { ticket, expiresAt } = await tickets.issue({ subject: 'alice', ip: IP });
    time.now = expiresAt;
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'expired' });
    time.now = expiresAt - 1;
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'unknown' });
  });

  it('accepts a ticket one millisecond before it expires', async () => {
    const { tickets, time } = setup();
    const { ticket, expiresAt } = await tickets.issue({ subject: 'alice', ip: IP });
    time.now = expiresAt - 1;
    expect(await tickets.redeem(ticket, { ip: IP })).toMatchObject({ ok: true });
  });

  it('refuses a ticket presented from another ip, and burns it', async () => {
    const { tickets } = setup();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    expect(await tickets.redeem(ticket, { ip: '203.0.113.8' })).toEqual({ ok: false, reason: 'ip_mismatch' });
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a ticket presented without an ip while bound', async () => {
    const { tickets } = setup();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    expect(await tickets.redeem(ticket, { ip: undefined })).toEqual({ ok: false, reason: 'ip_mismatch' });
  });

  it('refuses a ticket presented from another origin, and burns it', async () => {
    const { tickets } = setup();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP, origin: ORIGIN });
    expect(await tickets.redeem(ticket, { ip: IP, origin: 'https://evil.example' })).toEqual({
      ok: false,
      reason: 'origin_mismatch',
    });
    expect(await tickets.redeem(ticket, { ip: IP, origin: ORIGIN })).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });

  it('refuses a ticket bound to an origin when presented without one', async () => {
    const { tickets } = setup();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP, origin: ORIGIN });
    expect(await tickets.redeem(ticket, { ip: IP })).toEqual({ ok: false, reason: 'origin_mismatch' });
  });

  it("refuses a ticket bound to an origin when presented with 'null'", async () => {
    const { tickets } = setup();
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP, origin: ORIGIN });
    expect(await tickets.redeem(ticket, { ip: IP, origin: 'null' })).toEqual({
      ok: false,
      reason: 'origin_mismatch',
    });
  });

  it('does not bind a ticket issued without an origin', async () => {
    const { tickets } = setup();
    const first = await tickets.issue({ subject: 'alice', ip: IP });
    const second = await tickets.issue({ subject: 'alice', ip: IP });
    expect(await tickets.redeem(first.ticket, { ip: IP, origin: 'https://anything.example' })).toMatchObject({
      ok: true,
    });
    expect(await tickets.redeem(second.ticket, { ip: IP })).toMatchObject({ ok: true });
  });

  it('does not check the origin when bindOrigin is false', async () => {
    const { tickets, store } = setup({ bindOrigin: false });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP, origin: ORIGIN });
    expect(store.puts[0]!.record.origin).toBeUndefined();
    expect(await tickets.redeem(ticket, { ip: IP, origin: 'https://evil.example' })).toMatchObject({
      ok: true,
    });
  });

  it('compares origins after normalisation', async () => {
    const { tickets } = setup();
    const first = await tickets.issue({ subject: 'alice', ip: IP, origin: 'HTTPS://App.Example.com:443' });
    expect(await tickets.redeem(first.ticket, { ip: IP, origin: 'https://app.example.com' })).toMatchObject({
      ok: true,
    });
    const second = await tickets.issue({ subject: 'alice', ip: IP, origin: 'https://app.example.com' });
    expect(
      await tickets.redeem(second.ticket, { ip: IP, origin: 'https://APP.example.COM:443' }),
    ).toMatchObject({ ok: true });
  });

  it('treats a different port or scheme as a different origin', async () => {
    const { tickets } = setup();
    const first = await tickets.issue({ subject: 'alice', ip: IP, origin: 'https://app.example.com' });
    expect(await tickets.redeem(first.ticket, { ip: IP, origin: 'https://app.example.com:8443' })).toEqual({
      ok: false,
      reason: 'origin_mismatch',
    });
    const second = await tickets.issue({ subject: 'alice', ip: IP, origin: 'https://app.example.com' });
    expect(await tickets.redeem(second.ticket, { ip: IP, origin: 'http://app.example.com' })).toEqual({
      ok: false,
      reason: 'origin_mismatch',
    });
  });

  it('compares an IPv4-mapped IPv6 address equal to its IPv4 form', async () => {
    const { tickets } = setup();
    const first = await tickets.issue({ subject: 'alice', ip: '127.0.0.1' });
    expect(await tickets.redeem(first.ticket, { ip: '::ffff:127.0.0.1' })).toMatchObject({ ok: true });
    const second = await tickets.issue({ subject: 'alice', ip: '::ffff:127.0.0.1' });
    expect(await tickets.redeem(second.ticket, { ip: '127.0.0.1' })).toMatchObject({ ok: true });
  });

  it('compares IPv6 addresses in canonical form', async () => {
    const { tickets } = setup();
    const first = await tickets.issue({ subject: 'alice', ip: '2001:DB8:0:0:0:0:0:1' });
    expect(await tickets.redeem(first.ticket, { ip: '2001:db8::1' })).toMatchObject({ ok: true });
    const second = await tickets.issue({ subject: 'alice', ip: '2001:0db8::0001' });
    expect(await tickets.redeem(second.ticket, { ip: '2001:db8:0000::1' })).toMatchObject({ ok: true });
    const third = await tickets.issue({ subject: 'alice', ip: '2001:db8::1' });
    expect(await tickets.redeem(third.ticket, { ip: '2001:db8::2' })).toEqual({
      ok: false,
      reason: 'ip_mismatch',
    });
  });

  it('binds to an IPv4 network with v4Prefix', async () => {
    const { tickets } = setup({ bindIp: { v4Prefix: 24 } });
    const first = await tickets.issue({ subject: 'alice', ip: '10.1.2.3' });
    expect(await tickets.redeem(first.ticket, { ip: '10.1.2.99' })).toMatchObject({ ok: true });
    const second = await tickets.issue({ subject: 'alice', ip: '10.1.2.3' });
    expect(await tickets.redeem(second.ticket, { ip: '10.1.3.3' })).toEqual({
      ok: false,
      reason: 'ip_mismatch',
    });
    // The IPv6 default stays exact.
    const third = await tickets.issue({ subject: 'alice', ip: '2001:db8::1' });
    expect(await tickets.redeem(third.ticket, { ip: '2001:db8::2' })).toEqual({
      ok: false,
      reason: 'ip_mismatch',
    });
  });

  it('binds to an IPv6 network with v6Prefix', async () => {
    const { tickets } = setup({ bindIp: { v6Prefix: 64 } });
    const first = await tickets.issue({ subject: 'alice', ip: '2001:db8:1:2::5' });
    expect(await tickets.redeem(first.ticket, { ip: '2001:db8:1:2:ffff::9' })).toMatchObject({ ok: true });
    const second = await tickets.issue({ subject: 'alice', ip: '2001:db8:1:2::5' });
    expect(await tickets.redeem(second.ticket, { ip: '2001:db8:1:3::5' })).toEqual({
      ok: false,
      reason: 'ip_mismatch',
    });
    // The IPv4 default stays exact.
    const third = await tickets.issue({ subject: 'alice', ip: '10.1.2.3' });
    expect(await tickets.redeem(third.ticket, { ip: '10.1.2.4' })).toEqual({
      ok: false,
      reason: 'ip_mismatch',
    });
  });

  it('never matches across address families, even with prefix 0', async () => {
    const { tickets } = setup({ bindIp: { v4Prefix: 0, v6Prefix: 0 } });
    const first = await tickets.issue({ subject: 'alice', ip: '10.1.2.3' });
    expect(await tickets.redeem(first.ticket, { ip: '2001:db8::1' })).toEqual({
      ok: false,
      reason: 'ip_mismatch',
    });
    const second = await tickets.issue({ subject: 'alice', ip: '10.1.2.3' });
    expect(await tickets.redeem(second.ticket, { ip: '192.0.2.1' })).toMatchObject({ ok: true });
  });

  it('ignores the ip when bindIp is false', async () => {
    const { tickets } = setup({ bindIp: false });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    expect(await tickets.redeem(ticket, { ip: '198.51.100.99' })).toMatchObject({ ok: true });
  });
});

describe('concurrency', () => {
  it('lets exactly one of 50 concurrent redeems of one ticket succeed (memory store)', async () => {
    const tickets = service({ store: new MemoryTicketStore({ sweepIntervalMs: 0 }) });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    const results = await Promise.all(Array.from({ length: 50 }, () => tickets.redeem(ticket, { ip: IP })));
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === 'unknown')).toHaveLength(49);
  });

  it('lets exactly one of 50 concurrent redeems succeed when take yields to the event loop first', async () => {
    const tickets = service({ store: new YieldingStore() });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: IP });
    const results = await Promise.all(Array.from({ length: 50 }, () => tickets.redeem(ticket, { ip: IP })));
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === 'unknown')).toHaveLength(49);
  });
});

describe('options', () => {
  it.each<[string, TicketServiceOptions]>([
    ['ttlMs 0', { ttlMs: 0 }],
    ['ttlMs negative', { ttlMs: -5 }],
    ['ttlMs fractional', { ttlMs: 1.5 }],
    ['ttlMs NaN', { ttlMs: Number.NaN }],
    ['ttlMs Infinity', { ttlMs: Number.POSITIVE_INFINITY }],
    ['bindIp v4Prefix 33', { bindIp: { v4Prefix: 33 } }],
    ['bindIp v4Prefix -1', { bindIp: { v4Prefix: -1 } }],
    ['bindIp v6Prefix 129', { bindIp: { v6Prefix: 129 } }],
    ['bindIp v6Prefix 64.5', { bindIp: { v6Prefix: 64.5 } }],
    ['bindIp string', { bindIp: 'yes' as unknown as boolean }],
    ['bindIp number', { bindIp: 24 as unknown as boolean }],
    ['store without take', { store: { put: async () => undefined, close: async () => undefined } as never }],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    expect(() =>
      createTicketService({ store: new MemoryTicketStore({ sweepIntervalMs: 0 }), ...options }),
    ).toThrow(WsGateConfigError);
  });

  it('config errors carry the WSGATE_INVALID_OPTION code', () => {
    let caught: unknown;
    try {
      createTicketService({ ttlMs: 0 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WsGateError);
    expect((caught as WsGateError).code).toBe('WSGATE_INVALID_OPTION');
  });

  it('accepts the prefix bounds 0/32 and 0/128', () => {
    expect(() => service({ bindIp: { v4Prefix: 0, v6Prefix: 0 } })).not.toThrow();
    expect(() => service({ bindIp: { v4Prefix: 32, v6Prefix: 128 } })).not.toThrow();
  });
});

describe('ticketStoreOf and isTicketService', () => {
  it('the store of the options is used as it is', async () => {
    const store = new MemoryTicketStore({ sweepIntervalMs: 0 });
    expect(ticketStoreOf({ store })).toBe(store);
    await store.close();
  });

  it("without one, a new memory store on the options' clock (its tickets expire on that clock)", async () => {
    // A day ahead of the system clock: only a store on this clock sweeps the ticket.
    const time = fakeClock(Date.now() + 86_400_000);
    const store = ticketStoreOf({ clock: time.clock });
    expect(store).toBeInstanceOf(MemoryTicketStore);
    const [first, second] = [ticketStoreOf(undefined), ticketStoreOf(undefined)];
    expect(first).not.toBe(second);
    await Promise.all([first.close(), second.close()]);
    const ticket = { v: 1, subject: 'alice', issuedAt: time.now, expiresAt: time.now + TTL } as const;
    await store.put('kept', ticket, TTL);
    await store.put('swept', ticket, TTL);
    (store as MemoryTicketStore).sweep();
    expect(await store.take('kept')).toEqual(ticket);
    time.advance(TTL + 1);
    (store as MemoryTicketStore).sweep();
    expect(await store.take('swept')).toBeUndefined();
    await store.close();
  });

  it('tells a built ticket service from ticket options', () => {
    const tickets = service();
    expect(isTicketService(tickets)).toBe(true);
    expect(isTicketService({ ttlMs: TTL })).toBe(false);
    expect(isTicketService(null)).toBe(false);
    expect(isTicketService(undefined)).toBe(false);
  });
});

describe('store faults', () => {
  it('rejects redeem with the store error', async () => {
    const store = new FailingStore(new TicketStoreUnavailableError('redis down'));
    const tickets = service({ store });
    await expect(tickets.redeem('A'.repeat(43), { ip: IP })).rejects.toBeInstanceOf(
      TicketStoreUnavailableError,
    );
    expect(store.takeCalls).toBe(1);
  });

  it('rejects issue with the store error', async () => {
    const tickets = service({ store: new FailingStore(new TicketStoreUnavailableError()) });
    const failure = tickets.issue({ subject: 'alice', ip: IP });
    await expect(failure).rejects.toBeInstanceOf(TicketStoreUnavailableError);
    await expect(failure).rejects.toMatchObject({
      code: 'WSGATE_STORE_UNAVAILABLE',
      statusCode: 503,
      closeCode: 1013,
    });
  });
});
