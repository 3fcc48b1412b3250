import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { coalesceHandshakeWrites } from '../src/index.js';
import { countHandleWrites, listenOnLoopback } from './loopback.js';

// Through real sockets on loopback: with coalescing, the 101 and the frame the connection handler
// sends at once leave the server in one write system call; without it, in two.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function welcomingServer(coalesce: boolean, onConnection?: (client: WebSocket) => void) {
  const wss = new WebSocketServer({ noServer: true });
  if (coalesce) coalesceHandshakeWrites(wss);
  const server: Server = createServer();
  const writes: { readonly count: number }[] = [];
  let writesAtWelcome: number | undefined;
  server.on('connection', (socket: Socket) => writes.push(countHandleWrites(socket)));
  server.on('upgrade', (request: IncomingMessage, socket, head) =>
    wss.handleUpgrade(request, socket, head, (client) => {
      client.send(JSON.stringify({ type: 'welcome' }));
      onConnection?.(client);
      // What the socket has written by the end of this turn: the 101 and the welcome frame.
      process.nextTick(() => {
        process.nextTick(() => (writesAtWelcome = writes[0]?.count));
      });
    }),
  );
  cleanups.push(() => void wss.close());
  const port = await listenOnLoopback(server, cleanups);
  return { port, writesAtWelcome: () => writesAtWelcome };
}

async function receiveWelcome(port: number): Promise<unknown> {
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  cleanups.push(() => client.terminate());
  const [data] = (await once(client, 'message')) as [Buffer];
  return JSON.parse(data.toString());
}

describe('coalesceHandshakeWrites', () => {
  it('sends the 101 and the first frame in one write, and the client reads both', async () => {
    const server = await welcomingServer(true);
    expect(await receiveWelcome(server.port)).toEqual({ type: 'welcome' });
    expect(server.writesAtWelcome()).toBe(1);
  });

  it('is what makes the difference: without it the same server writes twice', async () => {
    const server = await welcomingServer(false);
    expect(await receiveWelcome(server.port)).toEqual({ type: 'welcome' });
    expect(server.writesAtWelcome()).toBe(2);
  });

  it('holds nothing past the turn: a frame sent later still goes out, on its own write', async () => {
    let later: WebSocket | undefined;
    const server = await welcomingServer(true, (client) => (later = client));
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    cleanups.push(() => client.terminate());
    const frames: string[] = [];
    client.on('message', (data: Buffer) => frames.push(data.toString()));
    await once(client, 'open');
    await new Promise((resolve) => setTimeout(resolve, 20));
    later?.send('later');
    await new Promise<void>((resolve) => {
      const poll = () => (frames.length >= 2 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    expect(frames).toEqual([JSON.stringify({ type: 'welcome' }), 'later']);
  });

  it('leaves a request without a real socket alone (an in-memory harness)', () => {
    const listeners: ((headers: string[], request: IncomingMessage) => void)[] = [];
    coalesceHandshakeWrites({ on: (_event, listener) => listeners.push(listener) });
    const standIn = { remoteAddress: '127.0.0.1' };
    expect(() => listeners[0]?.([], { socket: standIn } as unknown as IncomingMessage)).not.toThrow();
    expect(listeners).toHaveLength(1);
  });

  it('lets a refusal close frame ride with the 101 too, and the client sees the close code', async () => {
    const wss = new WebSocketServer({ noServer: true });
    coalesceHandshakeWrites(wss);
    const server = createServer();
    server.on('upgrade', (request, socket, head) =>
      wss.handleUpgrade(request, socket, head, (client) => client.close(4401, 'UNAUTHENTICATED')),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const [code, reason] = (await once(client, 'close')) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([4401, 'UNAUTHENTICATED']);
  });
});
