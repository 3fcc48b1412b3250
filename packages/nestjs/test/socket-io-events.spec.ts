// Events on Socket.IO gateways served by WsGateIoAdapter: validated against each handler's DTO
// before Nest's guards and pipes, errors to the acknowledgement or as `exception`, return values
// and WsResponses as Nest's IoAdapter sends them, namespaces with their own handlers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createIoApp,
  disconnection,
  emitAck,
  ioConnect,
  nextEvent,
  type TestApp,
} from './socket-io-support.js';

const STACK = /\bat [^"\s]+ \(|(?:\.[cm]?[jt]s|node:internal[^"]*):\d+:\d+/;

describe('WsGateIoAdapter events', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createIoApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('handlers written the usual way', () => {
    it('gets DTO instances (through WsValidationPipe) and the principal; acknowledges return values', async () => {
      const { socket, welcome } = await ioConnect(t, 'alice');
      expect(welcome).toEqual({ user: 'alice', roles: ['admin'] });
      expect(await emitAck(socket, 'whoami')).toEqual({
        ok: true,
        user: 'alice',
        roles: ['admin'],
        data: 'alice',
      });
      expect(await emitAck(socket, 'join', { room: 'lobby' })).toEqual({
        ok: true,
        room: 'lobby',
        dto: true,
      });
    });

    it('takes the principal from the ticket, never from the auth payload', async () => {
      const { socket, welcome } = await ioConnect(t, 'bob', {
        options: { auth: { principal: { subject: 'alice' }, user: 'alice', roles: ['admin'] } },
      });
      expect(welcome).toEqual({ user: 'bob', roles: ['member'] });
      expect(await emitAck(socket, 'whoami')).toMatchObject({ user: 'bob', data: 'bob' });
      expect(await emitAck(socket, 'announce', { text: 'hi' })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      // WsAuthGuard's refusal is audited (and counted) as the adapter's own refusals are, once.
      const refusals = t.logger.lines.filter(
        (line) => line.text.includes('"event":"wsgate.message_refused"') && line.text.includes('FORBIDDEN'),
      );
      expect(refusals).toHaveLength(1);
      expect(refusals[0]?.text).toContain('"subject":"bob"');
    });

    it('emits a WsResponse as its event', async () => {
      const { socket } = await ioConnect(t);
      const pong = nextEvent(socket, 'pong');
      socket.emit('ping');
      expect(await pong).toBe('ok');
    });

    it('broadcasts to a room and refuses a chat to a room not joined', async () => {
      const { socket: alice } = await ioConnect(t, 'alice');
      const { socket: bob } = await ioConnect(t, 'bob');
      expect(await emitAck(bob, 'chat', { room: 'r1', text: 'hi' })).toEqual({
        ok: false,
        error: { code: 'NOT_IN_ROOM', message: 'join the room first' },
      });
      await emitAck(alice, 'join', { room: 'r1' });
      await emitAck(bob, 'join', { room: 'r1' });
      const received = nextEvent(bob, 'chat');
      expect(await emitAck(alice, 'chat', { room: 'r1', text: 'hello' })).toEqual({ ok: true });
      expect(await received).toEqual({ room: 'r1', text: 'hello' });
    });
  });

  describe('validation, before Nest guards and pipes', () => {
    it("answers a member's invalid announce VALIDATION_FAILED, not FORBIDDEN", async () => {
      const { socket } = await ioConnect(t, 'bob');
      expect(await emitAck(socket, 'announce', { text: 'x'.repeat(2001) })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', issues: [{ path: '/1/text' }] },
      });
      expect(await emitAck(socket, 'announce', { text: 'hi', from: 'alice' })).toMatchObject({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          issues: [{ path: '/1/from', message: 'must not have additional properties' }],
        },
      });
      expect(await emitAck(socket, 'announce', { text: 'hi' })).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'forbidden' },
      });
    });

    it('refuses unknown events, extra properties, wrong types, extra arguments and prototype keys', async () => {
      const { socket } = await ioConnect(t, 'alice');
      expect(await emitAck(socket, 'nope', {})).toEqual({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          message: expect.any(String),
          issues: [{ path: '/0', message: expect.any(String) }],
        },
      });
      const extra = await emitAck(socket, 'join', { room: 'lobby', user: 'sneaky-value' });
      expect(extra).toEqual({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          message: 'invalid "join" message',
          issues: [{ path: '/1/user', message: 'must not have additional properties' }],
        },
      });
      expect(JSON.stringify(extra)).not.toContain('sneaky');
      const wrongType = (await emitAck(socket, 'join', { room: 5 })) as {
        error: { issues: { path: string }[] };
      };
      expect(wrongType).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      expect(wrongType.error.issues.every((issue) => issue.path === '/1/room')).toBe(true);
      expect(await emitAck(socket, 'join', { room: 'lobby' }, 'more')).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', issues: [{ path: '/2' }] },
      });
      expect(await emitAck(socket, 'join', JSON.parse('{"room":"a","__proto__":{"x":1}}'))).toMatchObject({
        ok: false,
        error: { code: 'BAD_JSON' },
      });
      expect(await emitAck(socket, 'join')).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      expect(await emitAck(socket, 'join', { room: 'still-open' })).toMatchObject({ ok: true });
    });

    it('refuses any payload to a handler without @MessageBody(), at /1', async () => {
      const { socket } = await ioConnect(t);
      expect(await emitAck(socket, 'whoami', { user: 'mallory' })).toEqual({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          message: 'invalid "whoami" message',
          issues: [{ path: '/1', message: 'must not have additional properties' }],
        },
      });
      expect(await emitAck(socket, 'whoami', {})).toMatchObject({ ok: true });
      expect(await emitAck(socket, 'whoami', null)).toMatchObject({ ok: true });
    });

    it('sends errors as an exception event when the client asked for no acknowledgement', async () => {
      const { socket } = await ioConnect(t, 'bob');
      let exception = nextEvent(socket, 'exception');
      socket.emit('announce', { text: 'hi', extra: 1 });
      expect(await exception).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: '/1/extra' }] });
      exception = nextEvent(socket, 'exception');
      socket.emit('announce', { text: 'hi' });
      expect(await exception).toEqual({ code: 'FORBIDDEN', message: 'forbidden' });
    });
  });

  describe('WsGateExceptionFilter on Socket.IO', () => {
    it('maps handler errors to the acknowledgement, without stack or input, and logs faults', async () => {
      const { socket } = await ioConnect(t, 'alice');
      const fault = await emitAck(socket, 'boom', { text: 'input-marker-42' });
      expect(fault).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
      expect(JSON.stringify(fault)).not.toMatch(STACK);
      expect(JSON.stringify(fault)).not.toContain('input-marker-42');
      expect(
        t.logger.lines.some((line) => line.level === 'error' && line.text.includes('database exploded')),
      ).toBe(true);
      expect(await emitAck(socket, 'refuse')).toEqual({
        ok: false,
        error: { code: 'NOT_IN_ROOM', message: 'join the room first' },
      });
      expect(await emitAck(socket, 'tenant')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });

    it('sends them as an exception event without an acknowledgement', async () => {
      const { socket } = await ioConnect(t, 'alice');
      const exception = nextEvent(socket, 'exception');
      socket.emit('refuse');
      expect(await exception).toEqual({ code: 'NOT_IN_ROOM', message: 'join the room first' });
    });

    it('checks required claims', async () => {
      const { socket } = await ioConnect(t, 'carol', { claims: { tenant: 'acme' } });
      expect(await emitAck(socket, 'tenant')).toEqual({ ok: true });
    });
  });

  describe('a second namespace on the same server, without the filter', () => {
    it('routes its own handlers, with their own DTOs and guards', async () => {
      const { socket: admin } = await ioConnect(t, 'alice', { namespace: '/admin' });
      expect(await emitAck(admin, 'stats')).toEqual({ ok: true, user: 'alice', namespace: 'admin' });
      // `join` takes { text } here, { room } on the main namespace.
      expect(await emitAck(admin, 'join', { text: 'x' })).toEqual({ ok: true, text: 'x' });
      expect(await emitAck(admin, 'join', { room: 'lobby' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      expect(await emitAck(admin, 'whoami')).toMatchObject({
        ok: false,
        error: { issues: [{ path: '/0' }] },
      });
      expect(await emitAck(admin, 'echo', { anything: [1, 2] })).toEqual({
        ok: true,
        echoed: { anything: [1, 2] },
      });
      const { socket: member } = await ioConnect(t, 'bob', { namespace: '/admin' });
      expect(await emitAck(member, 'stats')).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'forbidden' },
      });
    });

    it("maps Nest's default filter: faults, denying guards, WsGateMessageException; ack or exception", async () => {
      const { socket } = await ioConnect(t, 'alice', { namespace: '/admin' });
      const fault = await emitAck(socket, 'boom', { text: 'input-marker-43' });
      expect(fault).toEqual({ ok: false, error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
      expect(JSON.stringify(fault)).not.toMatch(/secret|input-marker|pattern|cause/);
      expect(await emitAck(socket, 'denied')).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'forbidden' },
      });
      expect(await emitAck(socket, 'refuse')).toEqual({
        ok: false,
        error: { code: 'NOT_IN_ROOM', message: 'join the room first' },
      });
      const exceptions: unknown[] = [];
      socket.on('exception', (payload: unknown) => exceptions.push(payload));
      socket.emit('boom', { text: 'input-marker-44' });
      socket.emit('denied');
      await vi.waitFor(() => expect(exceptions).toHaveLength(2));
      expect(exceptions).toEqual(
        expect.arrayContaining([
          { code: 'INTERNAL_ERROR', message: 'internal error' },
          { code: 'FORBIDDEN', message: 'forbidden' },
        ]),
      );
    });
  });

  describe('the message guard', () => {
    it('disconnects past the per-connection burst, after an exception RATE_LIMITED', async () => {
      const { socket } = await ioConnect(t, 'alice');
      const exception = nextEvent(socket, 'exception', 5_000);
      const gone = disconnection(socket, 5_000);
      const answered: unknown[] = [];
      for (let i = 0; i < 100; i += 1) socket.emit('whoami', (answer: unknown) => answered.push(answer));
      expect(await exception).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await gone).toBe('io server disconnect');
      expect(answered.length).toBeLessThanOrEqual(40);
    });

    it('disconnects on binary data, after an exception UNSUPPORTED_DATA', async () => {
      const { socket } = await ioConnect(t, 'alice');
      const exception = nextEvent(socket, 'exception');
      const gone = disconnection(socket);
      socket.emit('join', { room: Buffer.from('lobby') });
      expect(await exception).toMatchObject({ code: 'UNSUPPORTED_DATA' });
      expect(await gone).toBe('io server disconnect');
    });
  });
});
