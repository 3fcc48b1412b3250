import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { WsGatePluginOptions } from '../src/index.js';
import { ALLOWED_ORIGIN, buildTestApp, requestTicket, wsUrl } from './support/app.js';
import { closed, nextMessage, openOk, sendJson } from './support/sockets.js';

const INTERNAL_ERROR = { type: 'error', code: 'INTERNAL_ERROR', message: 'internal error' };

async function guardedApp(
  messages: Partial<NonNullable<WsGatePluginOptions['messages']>> = {},
): Promise<FastifyInstance> {
  return buildTestApp({ plugin: { messages: { ...messages } } });
}

/** Opens an authenticated socket on /ws and reads its welcome frame. */
async function connect(
  app: FastifyInstance,
  user = 'alice',
  session?: string,
): Promise<{ socket: WebSocket; welcome: unknown }> {
  const ticket = await requestTicket(app, { user, session });
  const socket = await openOk(`${wsUrl(app)}?ticket=${ticket}`);
  return { socket, welcome: await nextMessage(socket) };
}

/** The socket is still open and served: a round trip works. */
async function expectServed(socket: WebSocket, text = 'still here'): Promise<void> {
  sendJson(socket, { type: 'echo', text });
  await expect(nextMessage(socket)).resolves.toEqual({ type: 'echo', text });
}

describe('handler context', () => {
  it('gives the handler request.wsgate with the principal (subject, sessionId, claims), client address and Origin', async () => {
    const app = await guardedApp();
    const { welcome } = await connect(app, 'alice', 'session-1');
    expect(welcome).toEqual({
      type: 'welcome',
      subject: 'alice',
      sessionId: 'session-1',
      claims: { roles: ['member'], tier: 'gold' },
      clientIp: '127.0.0.1',
      origin: ALLOWED_ORIGIN,
    });
  });

  it('dispatches valid messages to the handler of their type', async () => {
    const app = await guardedApp();
    const { socket } = await connect(app, 'bob');
    sendJson(socket, { type: 'whoami' });
    await expect(nextMessage(socket)).resolves.toEqual({ type: 'whoami', subject: 'bob' });
    sendJson(socket, { type: 'echo', text: 'hi' });
    await expect(nextMessage(socket)).resolves.toEqual({ type: 'echo', text: 'hi' });
  });

  it('answers invalid JSON with BAD_JSON and keeps the socket open', async () => {
    const app = await guardedApp();
    const { socket } = await connect(app);
    socket.send('{"type": "echo", ');
    await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'error', code: 'BAD_JSON' });
    socket.send('{"type":"echo","text":"x","__proto__":{"admin":true}}');
    await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'error', code: 'BAD_JSON' });
    await expectServed(socket);
  });

  it.each([
    ['an unknown type', { type: 'launch' }, '/type'],
    ['an extra property (named: a plain identifier)', { type: 'whoami', admin: true }, '/admin'],
    ['an extra property (not named: not an identifier)', { type: 'whoami', 'x-admin': true }, ''],
    ['a wrongly typed property', { type: 'echo', text: 42 }, '/text'],
    ['a type declared by no route', { type: 'unhandled' }, '/type'],
    ['a message without a type', { text: 'hi' }, '/type'],
  ])('answers %s with VALIDATION_FAILED and keeps the socket open', async (_name, message, path) => {
    const app = await guardedApp();
    const { socket } = await connect(app);
    sendJson(socket, message);
    const reply = await nextMessage(socket);
    expect(reply).toMatchObject({
      type: 'error',
      code: 'VALIDATION_FAILED',
      issues: [expect.objectContaining({ path })],
    });
    await expectServed(socket);
  });

  it('closes a binary frame with 1003', async () => {
    const app = await guardedApp();
    const { socket } = await connect(app);
    socket.send(Buffer.from(JSON.stringify({ type: 'whoami' })));
    await expect(closed(socket)).resolves.toMatchObject({ code: 1003 });
  });

  it('closes a frame over messages.maxBytes with 1009 (ws maxPayload), and accepts one at the limit', async () => {
    const app = await guardedApp({ maxBytes: 1024 });
    const { socket } = await connect(app);
    const atLimit = JSON.stringify({ type: 'echo', text: '' }).padEnd(1024, ' ');
    expect(Buffer.byteLength(atLimit)).toBe(1024);
    socket.send(atLimit);
    await expect(nextMessage(socket)).resolves.toEqual({ type: 'echo', text: '' });
    socket.send(JSON.stringify({ type: 'echo', text: 'x'.repeat(2000) }));
    await expect(closed(socket)).resolves.toMatchObject({ code: 1009 });
  });

  it('closes with 1009 as soon as a frame header announces more than maxBytes, before the payload arrives', async () => {
    const app = await guardedApp({ maxBytes: 1024 });
    const { socket } = await connect(app);
    // A masked text frame header announcing 100 MiB (64-bit length), and no payload: only ws's maxPayload can refuse it now.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(100n * 1024n * 1024n, 2);
    (socket as unknown as { _socket: Socket })._socket.write(header);
    await expect(closed(socket)).resolves.toMatchObject({ code: 1009 });
  });

  it('closes a flood past the burst with 4429, while another socket of the same user stays open', async () => {
    const app = await guardedApp({ rateLimit: { burst: 5, perSecond: 1 }, clock: () => 0 });
    const { socket: flooder } = await connect(app, 'alice');
    const { socket: other } = await connect(app, 'alice');
    for (let index = 0; index < 6; index += 1) sendJson(flooder, { type: 'echo', text: String(index) });
    for (let index = 0; index < 5; index += 1)
      await expect(nextMessage(flooder)).resolves.toEqual({ type: 'echo', text: String(index) });
    await expect(closed(flooder)).resolves.toMatchObject({ code: 4429 });
    await expectServed(other);
  });

  it.each([
    ['throws', false],
    ['rejects', true],
  ])(
    'answers a handler that %s with a bare INTERNAL_ERROR frame and keeps the socket open',
    async (_name, async) => {
      const app = await guardedApp();
      const { socket } = await connect(app);
      sendJson(socket, { type: 'boom', async });
      await expect(nextMessage(socket)).resolves.toEqual(INTERNAL_ERROR);
      await expectServed(socket);
    },
  );

  it('answers a handler that fails on a store out of reach (503) with SERVICE_UNAVAILABLE and keeps the socket open', async () => {
    const app = await guardedApp();
    const { socket } = await connect(app);
    sendJson(socket, { type: 'outage' });
    await expect(nextMessage(socket)).resolves.toEqual({
      type: 'error',
      code: 'SERVICE_UNAVAILABLE',
      message: 'service unavailable',
    });
    await expectServed(socket);
  });

  it('refuses a message whose sender lacks the route role with FORBIDDEN from the library, after validation', async () => {
    const app = await guardedApp();
    const { socket } = await connect(app, 'bob'); // roles: ['member']
    sendJson(socket, { type: 'announce', text: 'hello' });
    await expect(nextMessage(socket)).resolves.toEqual({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'forbidden',
    });
    // Invalid and not allowed: validation comes first.
    sendJson(socket, { type: 'announce', text: '' });
    await expect(nextMessage(socket)).resolves.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expectServed(socket);
  });

  it('lets a sender with the role through', async () => {
    const app = await buildTestApp({
      plugin: {
        ticketRoute: {
          authenticate: () => ({ subject: 'root', claims: { roles: ['admin'] } }),
          perSession: false,
        },
      },
    });
    const socket = await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app)}`);
    await nextMessage(socket);
    sendJson(socket, { type: 'announce', text: 'hello' });
    await expect(nextMessage(socket)).resolves.toEqual({ type: 'announced', text: 'hello' });
  });

  it('answers a MessageRejection thrown by a handler with its error frame, and keeps the socket open', async () => {
    const app = await guardedApp();
    const { socket } = await connect(app);
    sendJson(socket, { type: 'refuse' });
    await expect(nextMessage(socket)).resolves.toEqual({
      type: 'error',
      code: 'NOT_IN_ROOM',
      message: 'join the room first',
    });
    await expectServed(socket);
  });

  it('hands every frame of a raw route to the route, unvalidated', async () => {
    const app = await guardedApp();
    const socket = await openOk(`${wsUrl(app, '/raw')}?ticket=${await requestTicket(app)}`);
    socket.send('not even json');
    await expect(nextMessage(socket, 10_000, false)).resolves.toBe('not even json');
  });
});
