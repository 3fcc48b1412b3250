// Events as untrusted input, through real Socket.IO servers and socket.io-client: allowlist,
// one schema per payload, one payload argument, prototype keys, roles, floods, binary.
import { Socket } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { connectClient, connected, disconnection, emitAck, nextEvent, ticketFor } from './support/clients.js';
import { SERVERS } from './support/servers.js';

describe.each(SERVERS)('events on %s', (_name, start) => {
  it('answers a valid event through its handler, as the acknowledgement', async () => {
    const server = await start();
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'join', { room: 'lobby' })).toEqual({ ok: true, room: 'lobby' });
    const chat = nextEvent(socket, 'chat');
    expect(await emitAck(socket, 'chat', { room: 'lobby', text: 'hi' })).toEqual({ ok: true });
    expect(await chat).toMatchObject({ room: 'lobby', from: 'alice', text: 'hi' });
  });

  it.each([
    ['an unknown event', 'shutdown', [{}], { path: '/0', message: 'is not a known message type' }],
    ['an extra property', 'join', [{ room: 'lobby', admin: true }], { path: '/1/admin' }],
    ['a wrong type', 'join', [{ room: 42 }], { path: '/1/room' }],
    ['an extra argument', 'join', [{ room: 'lobby' }, 'more'], { path: '/2' }],
    ['no payload', 'join', [], { path: '/1' }],
  ])(
    'refuses %s with VALIDATION_FAILED naming where, in the acknowledgement',
    async (_case, event, args, issue) => {
      const server = await start();
      const { socket } = await connected(server);
      const answer = (await emitAck(socket, event, ...args)) as {
        ok: boolean;
        error: { code: string; issues: { path: string }[] };
      };
      expect(answer.ok).toBe(false);
      expect(answer.error.code).toBe('VALIDATION_FAILED');
      expect(answer.error.issues).toEqual(expect.arrayContaining([expect.objectContaining(issue)]));
      // Refused, not fatal: the socket keeps working.
      expect(await emitAck(socket, 'whoami', {})).toMatchObject({ ok: true });
    },
  );

  it('refuses an event without acknowledgement with an exception event', async () => {
    const server = await start();
    const { socket } = await connected(server);
    const exception = nextEvent(socket, 'exception');
    socket.emit('join', { room: 'Not A Room!' });
    expect(await exception).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'invalid "join" message',
      issues: [expect.objectContaining({ path: '/1/room' })],
    });
    expect(socket.connected).toBe(true);
  });

  it.each([
    ['__proto__', '{"room":"lobby","__proto__":{"polluted":true}}'],
    ['constructor.prototype', '{"room":"lobby","constructor":{"prototype":{"polluted":true}}}'],
  ])('refuses a payload with a %s key as BAD_JSON, and nothing is polluted', async (_key, text) => {
    const server = await start();
    const { socket } = await connected(server);
    const answer = await emitAck(socket, 'join', JSON.parse(text));
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'BAD_JSON',
        message: 'message contains a forbidden key (__proto__ or constructor.prototype)',
      },
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(await emitAck(socket, 'whoami', {})).toMatchObject({ ok: true });
  });

  it('refuses a payload nested deeper than the limit as BAD_JSON', async () => {
    const server = await start({ wsgate: { messages: { maxDepth: 4 } } });
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'join', { room: { a: { b: { c: {} } } } })).toMatchObject({
      ok: false,
      error: { code: 'BAD_JSON', message: 'message nests too deeply' },
    });
  });

  it('takes the sender from the principal: a spoofed "from" is refused, a chat carries the real one', async () => {
    const server = await start();
    const alice = await connected(server, { user: 'alice' });
    const bob = await connected(server, { user: 'bob' });
    await emitAck(alice.socket, 'join', { room: 'lobby' });
    await emitAck(bob.socket, 'join', { room: 'lobby' });
    expect(await emitAck(bob.socket, 'chat', { room: 'lobby', text: 'hi', from: 'alice' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    const received = nextEvent(alice.socket, 'chat');
    await emitAck(bob.socket, 'chat', { room: 'lobby', text: 'hi' });
    expect(await received).toMatchObject({ from: 'bob', text: 'hi' });
  });

  it('applies roles: FORBIDDEN for a member, broadcast for an admin', async () => {
    const server = await start();
    const member = await connected(server, { user: 'bob', roles: ['member'] });
    const admin = await connected(server, { user: 'root', roles: ['admin'] });
    expect(await emitAck(member.socket, 'announce', { text: 'hello' })).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'forbidden' },
    });
    const announced = nextEvent(member.socket, 'announce');
    expect(await emitAck(admin.socket, 'announce', { text: 'hello' })).toEqual({ ok: true });
    expect(await announced).toEqual({ from: 'root', text: 'hello' });
  });

  it("answers a handler's rejection with its code, and a handler fault with INTERNAL_ERROR (logged, never sent)", async () => {
    const server = await start();
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'chat', { room: 'elsewhere', text: 'hi' })).toEqual({
      ok: false,
      error: { code: 'NOT_IN_ROOM', message: 'join the room first' },
    });
    expect(await emitAck(socket, 'fail', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL_ERROR', message: 'internal error' },
    });
    const fault = server.audit.find((event) => event.event === 'wsgate.handler_failed');
    expect(fault).toMatchObject({ level: 'error', fields: { message: 'fail' } });
    expect((fault?.cause as Error).message).toBe('handler bug');
  });

  it('answers a handler that fails on a store out of reach (503) with SERVICE_UNAVAILABLE, logged, and serves on', async () => {
    const server = await start();
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'outage', {})).toEqual({
      ok: false,
      error: { code: 'SERVICE_UNAVAILABLE', message: 'service unavailable' },
    });
    expect(server.audit).toContainEqual(
      expect.objectContaining({
        event: 'wsgate.handler_failed',
        fields: expect.objectContaining({ message: 'outage' }),
      }),
    );
    expect(await emitAck(socket, 'whoami', {})).toMatchObject({ ok: true });
  });

  it('answers the events within the burst, even slow ones, before a flood disconnects', async () => {
    const server = await start({ wsgate: { messages: { rateLimit: { burst: 5, perSecond: 1 } } } });
    const flooder = await connected(server, { user: 'mallory' });
    const answers: unknown[] = [];
    const gone = disconnection(flooder.socket);
    // `join` answers asynchronously (after socket.join).
    for (let n = 0; n < 20; n += 1)
      flooder.socket.emit('join', { room: `r${n}` }, (answer: unknown) => answers.push(answer));
    expect(await gone).toBe('io server disconnect');
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect(answers.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((n) => ({ ok: true, room: `r${n}` })));
  });

  it('disconnects a flooding socket after a RATE_LIMITED exception; others are served', async () => {
    const server = await start({ wsgate: { messages: { rateLimit: { burst: 5, perSecond: 1 } } } });
    const flooder = await connected(server, { user: 'mallory' });
    const other = await connected(server, { user: 'bob' });
    const exception = nextEvent(flooder.socket, 'exception');
    const gone = disconnection(flooder.socket);
    for (let n = 0; n < 20; n += 1) flooder.socket.emit('whoami', {});
    expect(await exception).toEqual({ code: 'RATE_LIMITED', message: 'rate limit exceeded' });
    expect(await gone).toBe('io server disconnect');
    expect(await emitAck(other.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'bob' });
    expect(server.audit).toContainEqual(
      expect.objectContaining({
        event: 'wsgate.close',
        fields: expect.objectContaining({ subject: 'mallory', code: 4429 }),
      }),
    );
    // Once the close is decided, the rest of the flood is ignored: one refusal logged, not fifteen.
    const refusals = server.audit.filter(
      (event) => event.event === 'wsgate.message_refused' && event.fields['code'] === 4429,
    );
    expect(refusals).toHaveLength(1);
  });

  it('disconnects a socket sending binary to an event that does not take it; an opted-in event takes it', async () => {
    const server = await start();
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'upload', { name: 'a.bin', data: Buffer.alloc(100) })).toEqual({
      ok: true,
      name: 'a.bin',
      bytes: 100,
    });
    const exception = nextEvent(socket, 'exception');
    const gone = disconnection(socket);
    socket.emit('join', { room: 'lobby', data: Buffer.from('x') });
    expect(await exception).toEqual({
      code: 'UNSUPPORTED_DATA',
      message: 'binary payloads are not accepted',
    });
    expect(await gone).toBe('io server disconnect');
  });

  it('drops a connection whose packet is larger than the message limit', async () => {
    const server = await start();
    const { socket } = await connected(server);
    const gone = disconnection(socket);
    socket.emit('join', { room: 'x'.repeat(20_000) });
    expect(await gone).toBe('transport close');
    expect((await connected(server, { user: 'bob' })).welcome).toMatchObject({ user: 'bob' });
  });

  it('never passes events to socket.on listeners, declared or not', async () => {
    const seen: string[] = [];
    const server = await start({
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          socket.on('join', () => seen.push('join'));
          socket.on('shutdown', () => seen.push('shutdown'));
          socket.emit('welcome', {});
        }),
    });
    const { socket } = await connected(server);
    await emitAck(socket, 'join', { room: 'lobby' });
    await emitAck(socket, 'shutdown', {});
    expect(seen).toEqual([]);
  });

  it('shows onAny listeners only the events that passed every check, with their validated payload', async () => {
    const seen: unknown[][] = [];
    const server = await start({
      wsgate: { messages: { rateLimit: { burst: 8, perSecond: 1 } } },
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          // A listener that acts on what it sees: the attack is to reach it with unchecked input.
          socket.onAny((...args: unknown[]) => seen.push(args.filter((arg) => typeof arg !== 'function')));
          socket.emit('welcome', {});
        }),
    });
    const { socket } = await connected(server);
    const refused = [
      ['shutdown', {}],
      ['join', { room: 'Not A Room!' }],
      ['join', { room: 'lobby', admin: true }],
      ['join', JSON.parse('{"room":"lobby","__proto__":{"admin":true}}') as unknown],
      ['announce', { text: 'members may not' }],
    ] as const;
    for (const [event, payload] of refused)
      expect(await emitAck(socket, event, payload)).toMatchObject({ ok: false });
    expect(await emitAck(socket, 'join', { room: 'lobby' })).toEqual({ ok: true, room: 'lobby' });
    expect(seen).toEqual([['join', { room: 'lobby' }]]);
    // Past the bucket (8 events: 6 sent above), the flood is not shown either.
    const gone = disconnection(socket);
    for (let n = 0; n < 10; n += 1) socket.emit('whoami', {});
    expect(await gone).toBe('io server disconnect');
    expect(seen).toEqual([
      ['join', { room: 'lobby' }],
      ['whoami', {}],
      ['whoami', {}],
    ]);
  });

  it('refuses a socket whose Socket.IO has no event path to take over (fail closed), and serves again with one', async () => {
    const server = await start();
    const prototype = Socket.prototype as unknown as { onevent?: unknown };
    const onevent = prototype.onevent;
    delete prototype.onevent;
    try {
      const refused = await connectClient(server, { ticket: await ticketFor(server) });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.message).toBe('this Socket.IO version is not supported');
    } finally {
      prototype.onevent = onevent;
    }
    expect(await emitAck((await connected(server)).socket, 'whoami', {})).toMatchObject({ ok: true });
  });
});
