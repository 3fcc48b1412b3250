import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CloseCode,
  createFirstMessageAuthenticator,
  createTicketService,
  TicketStoreUnavailableError,
  WsGateConfigError,
  type FirstMessageAuthOptions,
  type TicketService,
} from '../src/index.js';
import { FailingStore, FakeConnection, RecordingStore } from './helpers.js';

const CONTEXT = { ip: '127.0.0.1', origin: 'https://app.example.com' };

let tickets: TicketService;

function setup(options: Partial<FirstMessageAuthOptions> = {}) {
  tickets = createTicketService({ store: new RecordingStore() });
  const authenticator = createFirstMessageAuthenticator({ tickets, ...options });
  const connection = new FakeConnection();
  const pending = authenticator.begin(connection, CONTEXT);
  const issue = async () => (await tickets.issue({ subject: 'alice', sessionId: 's-1', ...CONTEXT })).ticket;
  return { authenticator, connection, pending, issue };
}

afterEach(async () => {
  vi.useRealTimers();
  await tickets?.close();
});

describe('first-message authentication', () => {
  it('accepts a good ticket in the first frame and leaves the socket open', async () => {
    const { pending, connection, issue } = setup();
    const ticket = await issue();
    const result = await pending.handle(JSON.stringify({ type: 'auth', ticket }), false);
    expect(result).toMatchObject({ ok: true, principal: { subject: 'alice', sessionId: 's-1' } });
    expect(connection.closes).toEqual([]);
  });

  it('accepts the auth frame as a Buffer', async () => {
    const { pending, issue } = setup();
    const ticket = await issue();
    expect(await pending.handle(Buffer.from(JSON.stringify({ type: 'auth', ticket })), false)).toMatchObject({
      ok: true,
    });
  });

  it('closes with 4401 on a bad ticket', async () => {
    const { pending, connection } = setup();
    const result = await pending.handle(JSON.stringify({ type: 'auth', ticket: 'Z'.repeat(43) }), false);
    expect(result).toEqual({ ok: false, closeCode: CloseCode.Unauthorized, reason: 'invalid ticket' });
    expect(connection.closes).toEqual([{ code: 4401, reason: 'invalid ticket' }]);
  });

  it('applies the ticket bindings of the connection context', async () => {
    tickets = createTicketService({ store: new RecordingStore() });
    const { ticket } = await tickets.issue({ subject: 'alice', ip: '198.51.100.1' });
    const connection = new FakeConnection();
    const pending = createFirstMessageAuthenticator({ tickets }).begin(connection, CONTEXT);
    expect(await pending.handle(JSON.stringify({ type: 'auth', ticket }), false)).toMatchObject({
      ok: false,
      closeCode: 4401,
    });
  });

  it.each([
    ['not JSON', 'hello'],
    ['an empty frame', ''],
    ['another type', JSON.stringify({ type: 'join', ticket: 'x' })],
    ['a missing ticket', JSON.stringify({ type: 'auth' })],
    ['a non-string ticket', JSON.stringify({ type: 'auth', ticket: 42 })],
    ['an array', JSON.stringify([{ type: 'auth', ticket: 'x' }])],
    ['null', 'null'],
    ['a poisoned object', '{"type":"auth","ticket":"x","__proto__":{"a":1}}'],
    ['too deep', '{"type":"auth","ticket":"x","a":{"b":{"c":1}}}'],
    ['too big', JSON.stringify({ type: 'auth', ticket: 'x'.repeat(2_000) })],
  ])('closes with 4401 on a malformed auth frame (%s)', async (_label, frame) => {
    const { pending, connection } = setup();
    expect(await pending.handle(frame, false)).toEqual({
      ok: false,
      closeCode: 4401,
      reason: 'invalid auth message',
    });
    expect(connection.closes).toEqual([{ code: 4401, reason: 'invalid auth message' }]);
  });

  it('closes with 1003 on a binary frame', async () => {
    const { pending, connection, issue } = setup();
    const ticket = await issue();
    expect(await pending.handle(Buffer.from(JSON.stringify({ type: 'auth', ticket })), true)).toMatchObject({
      ok: false,
      closeCode: 1003,
    });
    expect(connection.closes).toEqual([
      { code: CloseCode.UnsupportedData, reason: 'binary frames are not accepted' },
    ]);
  });

  it('closes with 1013 when the store fails', async () => {
    tickets = createTicketService({ store: new FailingStore(new TicketStoreUnavailableError()) });
    const connection = new FakeConnection();
    const pending = createFirstMessageAuthenticator({ tickets }).begin(connection, CONTEXT);
    expect(
      await pending.handle(JSON.stringify({ type: 'auth', ticket: 'Z'.repeat(43) }), false),
    ).toMatchObject({
      ok: false,
      closeCode: 1013,
    });
    expect(connection.closes).toEqual([{ code: 1013, reason: 'service unavailable' }]);
  });

  it('closes with 4408 when no frame arrives in time', () => {
    vi.useFakeTimers();
    const { connection } = setup({ authTimeoutMs: 2_000 });
    vi.advanceTimersByTime(1_999);
    expect(connection.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(connection.closes).toEqual([{ code: CloseCode.AuthTimeout, reason: 'authentication timeout' }]);
    expect(CloseCode.AuthTimeout).toBe(4408);
  });

  it('uses an unref()ed timer', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const { pending } = setup();
      const timer = setTimeoutSpy.mock.results.at(-1)!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      pending.cancel();
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });

  it('refuses a frame that arrives after the timeout, without redeeming it', async () => {
    vi.useFakeTimers();
    const { pending, connection, issue } = setup({ authTimeoutMs: 1_000 });
    const ticket = await issue();
    vi.advanceTimersByTime(1_000);
    expect(await pending.handle(JSON.stringify({ type: 'auth', ticket }), false)).toMatchObject({
      ok: false,
      closeCode: 4408,
    });
    expect(connection.closes).toHaveLength(1);
    expect(await tickets.redeem(ticket, CONTEXT)).toMatchObject({ ok: true });
  });

  it('stops the timeout once the first frame arrived', async () => {
    vi.useFakeTimers();
    const { pending, connection, issue } = setup({ authTimeoutMs: 1_000 });
    const ticket = await issue();
    expect(await pending.handle(JSON.stringify({ type: 'auth', ticket }), false)).toMatchObject({ ok: true });
    vi.advanceTimersByTime(10_000);
    expect(connection.closes).toEqual([]);
  });

  it('stops the timeout on cancel()', () => {
    vi.useFakeTimers();
    const { pending, connection } = setup({ authTimeoutMs: 1_000 });
    pending.cancel();
    vi.advanceTimersByTime(10_000);
    expect(connection.closes).toEqual([]);
  });

  it('returns not-ok on a second call and does not redeem again', async () => {
    const { pending, connection, issue } = setup();
    const first = await issue();
    const second = await issue();
    expect(await pending.handle(JSON.stringify({ type: 'auth', ticket: first }), false)).toMatchObject({
      ok: true,
    });
    expect(await pending.handle(JSON.stringify({ type: 'auth', ticket: second }), false)).toMatchObject({
      ok: false,
    });
    expect(connection.closes).toEqual([]);
    // The second ticket was never presented to the store.
    expect(await tickets.redeem(second, CONTEXT)).toMatchObject({ ok: true });
  });

  it.each<[string, Partial<FirstMessageAuthOptions>]>([
    ['authTimeoutMs 0', { authTimeoutMs: 0 }],
    ['authTimeoutMs 1.5', { authTimeoutMs: 1.5 }],
    ['maxBytes 10', { maxBytes: 10 }],
    ['maxBytes NaN', { maxBytes: Number.NaN }],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    tickets = createTicketService({ store: new RecordingStore() });
    expect(() => createFirstMessageAuthenticator({ tickets, ...options })).toThrow(WsGateConfigError);
  });
});
