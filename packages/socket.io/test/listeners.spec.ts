// listenerEvents(): the checks that need no schema, then the sockets' own listeners (how the
// NestJS adapter hands events to @SubscribeMessage handlers).
import { Type } from '@sinclair/typebox';
import {
  emptyPayloadValidator,
  MESSAGE_ERRORS,
  principalOf,
  reportSocketRefusal,
  sendSocketError,
  toValidator,
  type MessageRoute,
} from '@wsgate/core';
import { describe, expect, it } from 'vitest';
import { listenerEvents, socketIoEnvelope, type EventResolver } from '../src/index.js';
import { connected, disconnection, emitAck, nextEvent } from './support/clients.js';
import { SERVERS } from './support/servers.js';

describe.each(SERVERS)('listener events on %s', (_name, start) => {
  const startWithListeners = (received: unknown[] = []) =>
    start({
      wsgate: { events: listenerEvents({ binary: ['upload'] }) },
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          socket.on('echo', (payload: unknown, ack?: (answer: unknown) => void) => {
            received.push(payload);
            ack?.({ echoed: payload, user: socket.data.principal.subject });
          });
          socket.on('upload', (payload: { data: Buffer }, ack: (answer: unknown) => void) =>
            ack({ bytes: payload.data.length }),
          );
          socket.on('error', (payload: unknown) => received.push(['error listener', payload]));
          socket.emit('welcome', {});
        }),
    });

  it('hands a checked event to its listener, with the acknowledgement', async () => {
    const server = await startWithListeners();
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'echo', { text: 'hi' })).toEqual({ echoed: { text: 'hi' }, user: 'alice' });
    expect(await emitAck(socket, 'upload', { data: Buffer.alloc(10) })).toEqual({ bytes: 10 });
  });

  it("records each socket's principal and error channel for core's principalOf and sendSocketError", async () => {
    const server = await start({
      wsgate: { events: listenerEvents() },
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          socket.on('whoami', (_payload: unknown, ack?: (answer: unknown) => void) => {
            if (ack === undefined) sendSocketError(socket, MESSAGE_ERRORS.forbidden);
            else ack({ user: principalOf(socket)?.subject });
          });
          socket.on('refuse', (_payload: unknown, ack: (answer: unknown) => void) =>
            sendSocketError(socket, MESSAGE_ERRORS.forbidden, { ack }),
          );
          socket.emit('welcome', {});
        }),
    });
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'whoami', {})).toEqual({ user: 'alice' });
    expect(await emitAck(socket, 'refuse', {})).toEqual({ ok: false, error: MESSAGE_ERRORS.forbidden });
    const exception = nextEvent(socket, 'exception');
    socket.emit('whoami', {});
    expect(await exception).toEqual(MESSAGE_ERRORS.forbidden);
  });

  it("reports a refusal a listener decides (core's reportSocketRefusal) as its own refusals", async () => {
    const server = await start({
      wsgate: { events: listenerEvents() },
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          socket.on('refuse', (_payload: unknown, ack: (answer: unknown) => void) => {
            reportSocketRefusal(socket, MESSAGE_ERRORS.forbidden);
            sendSocketError(socket, MESSAGE_ERRORS.forbidden, { ack });
          });
          socket.emit('welcome', {});
        }),
    });
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'refuse', {})).toEqual({ ok: false, error: MESSAGE_ERRORS.forbidden });
    expect(server.audit.filter((event) => event.event === 'wsgate.message_refused')).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ code: 'FORBIDDEN', subject: 'alice' }) }),
    ]);
  });

  it('refuses an event no listener handles, and events Socket.IO emits itself', async () => {
    const received: unknown[] = [];
    const server = await startWithListeners(received);
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'shutdown', {})).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', issues: [{ path: '/0' }] },
    });
    const exception = nextEvent(socket, 'exception');
    socket.emit('error', { forged: true });
    expect(await exception).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(received).toEqual([]);
  });

  it('shows onAny listeners and socket middlewares only the events handed to a listener', async () => {
    const seen: unknown[] = [];
    const server = await start({
      wsgate: { events: listenerEvents() },
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          socket.onAny((event: string) => seen.push(`any ${event}`));
          socket.use(([event], next) => {
            seen.push(`use ${String(event)}`);
            next();
          });
          socket.on('echo', (payload: unknown, ack: (answer: unknown) => void) => ack(payload));
          socket.emit('welcome', {});
        }),
    });
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'shutdown', {})).toMatchObject({ ok: false });
    expect(await emitAck(socket, 'echo', JSON.parse('{"__proto__":{"x":1}}'))).toMatchObject({ ok: false });
    expect(await emitAck(socket, 'echo', { text: 'hi' }, 'more')).toMatchObject({ ok: false });
    expect(await emitAck(socket, 'echo', { text: 'hi' })).toEqual({ text: 'hi' });
    expect(seen).toEqual(['any echo', 'use echo']);
  });

  it('still refuses extra arguments and prototype keys before any listener runs', async () => {
    const received: unknown[] = [];
    const server = await startWithListeners(received);
    const { socket } = await connected(server);
    expect(await emitAck(socket, 'echo', { text: 'hi' }, 'more')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', issues: [{ path: '/2' }] },
    });
    expect(await emitAck(socket, 'echo', JSON.parse('{"__proto__":{"x":1}}'))).toMatchObject({
      ok: false,
      error: { code: 'BAD_JSON' },
    });
    expect(received).toEqual([]);
  });

  it('answers the events within the burst before a flood disconnects, slow listeners included', async () => {
    const server = await start({
      wsgate: { events: listenerEvents(), messages: { rateLimit: { burst: 5, perSecond: 1 } } },
      setup: ({ io }) =>
        io.on('connection', (socket) => {
          socket.on('slow', (payload: unknown, ack: (answer: unknown) => void) => {
            setTimeout(() => ack({ echoed: payload }), 50);
          });
          socket.emit('welcome', {});
        }),
    });
    const { socket } = await connected(server);
    const answers: unknown[] = [];
    const exception = nextEvent(socket, 'exception');
    const gone = disconnection(socket);
    for (let n = 0; n < 20; n += 1) socket.emit('slow', n, (answer: unknown) => answers.push(answer));
    expect(await exception).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await gone).toBe('io server disconnect');
    expect(answers.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((n) => ({ echoed: n })));
  });

  it('disconnects on binary data for an event not listed as binary', async () => {
    const received: unknown[] = [];
    const server = await startWithListeners(received);
    const { socket } = await connected(server);
    const exception = nextEvent(socket, 'exception');
    const gone = disconnection(socket);
    socket.emit('echo', { data: Buffer.from('x') });
    expect(await exception).toMatchObject({ code: 'UNSUPPORTED_DATA' });
    expect(await gone).toBe('io server disconnect');
    expect(received).toEqual([]);
  });

  describe('with a resolver per socket (the NestJS adapter validating @SubscribeMessage payloads)', () => {
    const routes: Record<string, MessageRoute> = {
      echo: {
        validator: toValidator(Type.Object({ text: Type.String({ maxLength: 5 }) }), 'echo'),
        handle: () => undefined,
      },
      admin: {
        validator: emptyPayloadValidator(socketIoEnvelope),
        roles: ['admin'],
        handle: () => undefined,
      },
    };
    /** Sockets of user `nobody` get no resolver. */
    const startResolved = (received: unknown[]) => {
      let resolver: EventResolver | undefined;
      return start({
        wsgate: {
          events: listenerEvents({
            resolverOf: (socket) => (socket.data.principal.subject === 'nobody' ? undefined : resolver),
          }),
        },
        setup: ({ io, wsgate }) => {
          resolver = wsgate.gate.createRouter(routes, socketIoEnvelope);
          io.on('connection', (socket) => {
            for (const name of ['echo', 'admin', 'unrouted'])
              socket.on(name, (...args: unknown[]) => {
                const ack = args.pop() as (answer: unknown) => void;
                received.push([name, ...args]);
                ack({ ok: true, args });
              });
            socket.emit('welcome', {});
          });
        },
      });
    };

    it('validates the payload and checks access before any listener runs, then hands it on', async () => {
      const received: unknown[] = [];
      const server = await startResolved(received);
      const { socket } = await connected(server, { user: 'bob', roles: ['member'] });
      expect(await emitAck(socket, 'echo', { text: 'toolong', from: 'x' })).toMatchObject({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          issues: expect.arrayContaining([
            { path: '/1/from', message: 'must not have additional properties' },
          ]),
        },
      });
      expect(await emitAck(socket, 'admin', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await emitAck(socket, 'unrouted', {})).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', issues: [{ path: '/0' }] },
      });
      expect(received).toEqual([]);
      expect(await emitAck(socket, 'echo', { text: 'hi' })).toEqual({ ok: true, args: [{ text: 'hi' }] });
      expect(received).toEqual([['echo', { text: 'hi' }]]);
    });

    it('keeps the acknowledgement in place when the event carries no payload', async () => {
      const received: unknown[] = [];
      const server = await startResolved(received);
      const { socket } = await connected(server, { user: 'alice', roles: ['admin'] });
      expect(await emitAck(socket, 'admin')).toEqual({ ok: true, args: [] });
      expect(await emitAck(socket, 'admin', { extra: 1 })).toEqual({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          message: 'invalid "admin" message',
          issues: [{ path: '/1', message: 'must not have additional properties' }],
        },
      });
      expect(received).toEqual([['admin']]);
    });

    it('refuses every event of a socket without a resolver', async () => {
      const received: unknown[] = [];
      const server = await startResolved(received);
      const { socket } = await connected(server, { user: 'nobody' });
      expect(await emitAck(socket, 'echo', { text: 'hi' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      expect(received).toEqual([]);
    });
  });
});
