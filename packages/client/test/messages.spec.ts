import { afterEach, describe, expect, it } from 'vitest';
import { connect, type WsGateClient, type WsGateClientError } from '../src/index.js';
import { WebSocket, fastReconnect, once, until } from './support/helpers.js';
import { startTicketServer, type TicketServer } from './support/ticket-server.js';

type ServerMessages =
  | { type: 'welcome'; user: string; roles: string[] }
  | { type: 'chat'; room: string; from: string; text: string; at: number }
  | { type: 'error'; code: string; message: string };

let server: TicketServer | undefined;
let client: WsGateClient<ServerMessages> | undefined;
afterEach(async () => {
  client?.close();
  await server?.stop();
  client = server = undefined;
});

async function openClient(queueLimit?: number): Promise<WsGateClient<ServerMessages>> {
  server ??= await startTicketServer();
  client = connect<ServerMessages>({
    ticketUrl: server.ticketUrl,
    url: server.url,
    WebSocket,
    reconnect: fastReconnect,
    queueLimit,
  });
  await once(client, 'state', (state) => state === 'open');
  await until(() => server!.sockets.size === 1);
  return client;
}

describe('inbound frames', () => {
  it('dispatches by type, typed, to on(type) handlers and to message handlers', async () => {
    const c = await openClient();
    const users: string[] = [];
    const all: string[] = [];
    c.on('welcome', (message) => users.push(message.user));
    c.on('message', (message) => all.push(message.type));
    const chat = once(c, 'message', (m) => m.type === 'chat');
    server!.broadcast('{"type":"welcome","user":"alice","roles":["admin"]}');
    server!.broadcast('{"type":"chat","room":"r","from":"bob","text":"hi","at":1}');
    await chat;
    expect(users).toEqual(['alice']);
    expect(all).toEqual(['welcome', 'chat']);
  });

  it('off() and the returned unsubscribe stop a handler', async () => {
    const c = await openClient();
    const seen: string[] = [];
    const a = (m: { user: string }) => seen.push(`a:${m.user}`);
    c.on('welcome', a);
    const unsubscribe = c.on('welcome', (m) => seen.push(`b:${m.user}`));
    server!.broadcast('{"type":"welcome","user":"1","roles":[]}');
    await until(() => seen.length === 2);
    c.off('welcome', a);
    unsubscribe();
    const next = once(c, 'message');
    server!.broadcast('{"type":"welcome","user":"2","roles":[]}');
    await next;
    expect(seen).toEqual(['a:1', 'b:1']);
  });

  it('malformed frames raise MALFORMED_FRAME errors, never crash, and later valid frames still dispatch', async () => {
    const c = await openClient();
    const errors: WsGateClientError[] = [];
    c.on('error', (error) => errors.push(error));
    const bad = ['not json', '[]', '{"no":"type"}', '{"type":5}', 'null', '"welcome"', '{"type":"welcome"'];
    for (const frame of bad) server!.broadcast(frame);
    for (const ws of server!.sockets) ws.send(Buffer.from('{"type":"welcome"}'), { binary: true });
    const welcome = once(c, 'message');
    server!.broadcast('{"type":"welcome","user":"alice","roles":[]}');
    expect(await welcome).toEqual({ type: 'welcome', user: 'alice', roles: [] });
    expect(errors.map((e) => e.code)).toEqual(Array(bad.length + 1).fill('WSGATE_CLIENT_MALFORMED_FRAME'));
    // the frame's content is never echoed into the error
    expect(errors.every((e) => !/not json|[{}[\]"]|welcome/.test(e.message))).toBe(true);
    expect(c.state).toBe('open');
  });

  it('frames are data: a __proto__ key or HTML payload is neither merged nor evaluated', async () => {
    const c = await openClient();
    const got = once(c, 'message');
    server!.broadcast('{"type":"chat","__proto__":{"polluted":true},"text":"<img src=x onerror=alert(1)>"}');
    const message = await got;
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
    expect(message.type === 'chat' && message.text).toBe('<img src=x onerror=alert(1)>');
  });

  it('a server message whose type is a reserved event name reaches only message handlers', async () => {
    const c = await openClient();
    const errors: unknown[] = [];
    c.on('error', (error) => errors.push(error));
    const got = once(c, 'message');
    server!.broadcast('{"type":"error","code":"NOT_IN_ROOM","message":"join first"}');
    expect(await got).toEqual({ type: 'error', code: 'NOT_IN_ROOM', message: 'join first' });
    expect(errors).toEqual([]);
  });

  it('a throwing handler does not stop the other handlers; it is reported as HANDLER_FAILED', async () => {
    const c = await openClient();
    const calls: string[] = [];
    const errors: WsGateClientError[] = [];
    const boom = new Error('handler bug');
    c.on('error', (error) => errors.push(error));
    c.on('welcome', () => {
      calls.push('first');
      throw boom;
    });
    c.on('welcome', () => calls.push('second'));
    c.on('message', () => calls.push('message'));
    const got = once(c, 'message');
    server!.broadcast('{"type":"welcome","user":"a","roles":[]}');
    await got;
    expect(calls).toEqual(['first', 'second', 'message']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'WSGATE_CLIENT_HANDLER_FAILED', cause: boom });
    // and the connection still works
    const next = once(c, 'message');
    server!.broadcast('{"type":"welcome","user":"b","roles":[]}');
    await next;
    expect(calls).toHaveLength(6);
  });

  it('a throwing error handler is not reported again (no loop)', async () => {
    const c = await openClient();
    let errorCalls = 0;
    c.on('error', () => {
      errorCalls += 1;
      throw new Error('error handler bug');
    });
    const got = once(c, 'message');
    server!.broadcast('nope');
    server!.broadcast('{"type":"welcome","user":"a","roles":[]}');
    await got;
    expect(errorCalls).toBe(1);
  });
});

describe('send()', () => {
  it('sends JSON when open', async () => {
    const c = await openClient();
    c.send({ type: 'join', room: 'lobby' });
    await until(() => server!.received.length === 1);
    expect(server!.received).toEqual(['{"type":"join","room":"lobby"}']);
  });

  it('queues while not open and flushes in order on open', async () => {
    server = await startTicketServer();
    client = connect<ServerMessages>({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      reconnect: fastReconnect,
    });
    client.send({ type: 'a' });
    client.send({ type: 'b' });
    await until(() => server!.received.length === 2);
    expect(server.received).toEqual(['{"type":"a"}', '{"type":"b"}']);
  });

  it('throws QUEUE_FULL beyond queueLimit, and at once with queueLimit 0', async () => {
    server = await startTicketServer();
    client = connect<ServerMessages>({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      queueLimit: 2,
    });
    client.send({ type: 'a' });
    client.send({ type: 'b' });
    expect(() => client!.send({ type: 'c' })).toThrow(
      expect.objectContaining({ code: 'WSGATE_CLIENT_QUEUE_FULL' }),
    );
    client.close();
    client = connect<ServerMessages>({
      ticketUrl: server.ticketUrl,
      url: server.url,
      WebSocket,
      queueLimit: 0,
    });
    expect(() => client!.send({ type: 'a' })).toThrow(
      expect.objectContaining({ code: 'WSGATE_CLIENT_QUEUE_FULL' }),
    );
  });

  it('throws CLOSED after close(), SERIALIZATION_FAILED for values JSON cannot encode', async () => {
    const c = await openClient();
    const circular: { type: string; self?: unknown } = { type: 'x' };
    circular.self = circular;
    expect(() => c.send(circular)).toThrow(
      expect.objectContaining({ code: 'WSGATE_CLIENT_SERIALIZATION_FAILED' }),
    );
    expect(() => c.send({ type: 'x', n: 1n } as never)).toThrow(
      expect.objectContaining({ code: 'WSGATE_CLIENT_SERIALIZATION_FAILED' }),
    );
    c.close();
    expect(() => c.send({ type: 'x' })).toThrow(expect.objectContaining({ code: 'WSGATE_CLIENT_CLOSED' }));
  });
});
