// listenerEvents(): the checks that need no schema, then the sockets' own listeners (how the
// NestJS adapter hands events to @SubscribeMessage handlers).
import { describe, expect, it } from 'vitest';
import { listenerEvents } from '../src/index.js';
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
});
