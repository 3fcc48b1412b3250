import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createWsGate,
  handleUpgrade,
  interceptUpgrades,
  MemoryTicketStore,
  type UpgradeAcceptance,
  type WsGate,
} from '../src/index.js';
import { countHandleWrites, listenOnLoopback } from './loopback.js';

// The upgrade plumbing through real sockets on loopback: a pipelined upgrade waits for the
// response in front of it, every upgrade ends as a WebSocket or a destroyed socket, and the
// ticket is out of the request before anything else reads it.

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgradeRequest = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function gateFor(options: { upgradeTimeoutMs?: number } = {}): WsGate {
  const gate = createWsGate({
    tickets: { store: new MemoryTicketStore() },
    origins: { allow: 'https://app.example.com' },
    ...options,
  });
  cleanups.push(() => gate.tickets.close());
  return gate;
}

const listen = (server: Server): Promise<number> => listenOnLoopback(server, cleanups);

/** Writes `text` on a new connection; resolves with all it received once the server closed it. */
function exchange(port: number, text: string): { socket: Socket; received: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  socket.write(text);
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  const received = new Promise<string>((resolve) => socket.on('close', () => resolve(data)));
  socket.on('error', () => undefined);
  return { socket, received };
}

async function waitFor<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('interceptUpgrades', () => {
  it('relays a pipelined upgrade only after the response in front of it is written, redacted', async () => {
    const gate = gateFor();
    const server = createServer((_request, response) => {
      // Slow response: the upgrade behind it must wait for it.
      setTimeout(() => response.end('ok'), 50);
    });
    const interception = interceptUpgrades(server, gate, () => undefined);
    cleanups.push(() => interception.stop());
    const relayed: { url: string | undefined; protocols: unknown; responded: boolean }[] = [];
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => void wss.close());
    let responded = false;
    server.on('request', (_request, response) => response.once('finish', () => (responded = true)));
    interception.relay.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      relayed.push({
        url: request.url,
        protocols: request.headers['sec-websocket-protocol'],
        responded,
      });
      wss.handleUpgrade(request, socket, head, (client) => {
        interception.upgraded(request);
        client.close(1000);
      });
    });
    const port = await listen(server);
    const ticket = 'A'.repeat(43);
    const { socket } = exchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n` +
        upgradeRequest(`/ws?ticket=${ticket}`, `Sec-WebSocket-Protocol: wsgate, wsgate.ticket.${ticket}\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    await waitFor(() => (answer.includes('101 Switching') ? true : undefined), 'the 101');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer).toContain('HTTP/1.1 101 Switching Protocols');
    expect(relayed).toEqual([{ url: '/ws?ticket=[redacted]', protocols: 'wsgate', responded: true }]);
  });

  it('keeps what authorization needs from before the redaction', async () => {
    const gate = gateFor();
    const server = createServer();
    const interception = interceptUpgrades(server, gate, () => undefined);
    cleanups.push(() => interception.stop());
    const seen: { url: string | undefined; found: boolean }[] = [];
    interception.relay.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
      const inspection = interception.inspectionOf(request);
      seen.push({
        url: request.url,
        found: inspection.extraction.kind === 'found' && inspection.extraction.ticket === 'B'.repeat(43),
      });
      socket.destroy();
    });
    const port = await listen(server);
    await exchange(port, upgradeRequest(`/ws?ticket=${'B'.repeat(43)}`)).received;
    expect(seen).toEqual([{ url: '/ws?ticket=[redacted]', found: true }]);
  });

  it('redacts the URL of a plain request before any request listener reads it', async () => {
    const gate = gateFor();
    const server = createServer((request, response) => response.end(request.url));
    const interception = interceptUpgrades(server, gate, () => undefined);
    cleanups.push(() => interception.stop());
    const port = await listen(server);
    const answer = await exchange(
      port,
      `GET /page?ticket=${'C'.repeat(43)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ).received;
    expect(answer).toMatch(/\r\n\r\n\/page\?ticket=\[redacted\]$/);
    expect(answer).not.toContain('C'.repeat(43));
  });

  it('destroys an upgrade nobody turns into a WebSocket once upgradeTimeoutMs passes', async () => {
    const gate = gateFor({ upgradeTimeoutMs: 100 });
    const server = createServer();
    const interception = interceptUpgrades(server, gate, () => undefined);
    cleanups.push(() => interception.stop());
    const port = await listen(server);
    // Nobody listens to the relay: the socket would stay open for ever without the guard.
    const { received } = exchange(port, upgradeRequest('/ws'));
    expect(await received).toBe('');
  });

  it('follow(): an upgrade the ws server completed outlives the deadline, its 101 and first frame in one write', async () => {
    const gate = gateFor({ upgradeTimeoutMs: 100 });
    const server = createServer();
    const interception = interceptUpgrades(server, gate, () => undefined);
    cleanups.push(() => interception.stop());
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => void wss.close());
    interception.follow(wss);
    let written: { readonly count: number } | undefined;
    server.on('connection', (socket: Socket) => (written = countHandleWrites(socket)));
    interception.relay.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      wss.handleUpgrade(request, socket, head, (client) => {
        wss.emit('connection', client, request); // as @fastify/websocket does
        client.send('welcome');
      }),
    );
    const port = await listen(server);
    const { socket } = exchange(port, upgradeRequest('/ws'));
    let chunks: string[] = [];
    socket.on('data', (chunk: Buffer) => (chunks = [...chunks, chunk.toString('latin1')]));
    await waitFor(() => (chunks.join('').includes('welcome') ? true : undefined), 'the welcome frame');
    expect(chunks[0]).toContain('HTTP/1.1 101 Switching Protocols');
    expect(written?.count).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    // Past upgradeTimeoutMs: the deadline let go of the socket when ws completed the upgrade.
    expect(socket.destroyed).toBe(false);
  });

  it('stop() gives the server back its upgrade and request events', async () => {
    const gate = gateFor();
    const server = createServer();
    const interception = interceptUpgrades(server, gate, () => undefined);
    expect(server.listenerCount('upgrade')).toBe(1);
    expect(server.listenerCount('request')).toBe(1);
    interception.stop();
    expect(server.listenerCount('upgrade')).toBe(0);
    expect(server.listenerCount('request')).toBe(0);
  });
});

describe('handleUpgrade', () => {
  async function serve(gate: WsGate) {
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => void wss.close());
    const accepted: UpgradeAcceptance[] = [];
    const events: string[] = [];
    const server = createServer((_request, response) => setTimeout(() => response.end('ok'), 50));
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      handleUpgrade(gate, wss, request, socket, head, {
        accepted: (client, acceptance) => {
          accepted.push(acceptance);
          client.send('welcome');
        },
        report: (event) => events.push(`${event.event} ${String(event.fields['code'])}`),
        protocols: new WeakMap(),
      }),
    );
    const port = await listen(server);
    return { port, accepted, events };
  }

  it('answers a refused upgrade in HTTP and closes the connection', async () => {
    const gate = gateFor();
    const { port, accepted, events } = await serve(gate);
    const answer = await exchange(port, upgradeRequest('/ws')).received;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toContain('{"error":"TICKET_MISSING"}');
    expect(accepted).toEqual([]);
    expect(events).toEqual(['wsgate.upgrade_refused TICKET_MISSING']);
  });

  it('opens a ticket holder pipelined behind a slow response, after that response', async () => {
    const gate = gateFor();
    const { port, accepted } = await serve(gate);
    const { ticket } = await gate.tickets.issue({ subject: 'alice', ip: '127.0.0.1' });
    const { socket } = exchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n` + upgradeRequest(`/ws?ticket=${ticket}`),
    );
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    await waitFor(() => (data.includes('welcome') ? true : undefined), 'the welcome frame');
    expect(data.indexOf('HTTP/1.1 200 OK')).toBe(0);
    expect(data.indexOf('HTTP/1.1 101')).toBeGreaterThan(0);
    expect(accepted.map((acceptance) => acceptance.principal.subject)).toEqual(['alice']);
    // Single use: the same ticket again is refused.
    const replay = await exchange(port, upgradeRequest(`/ws?ticket=${ticket}`)).received;
    expect(replay).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('gives the connection slot back when the client leaves while its ticket is checked', async () => {
    // The store answers slowly: the client is gone by the time the ticket is redeemed.
    let takes = 0;
    let taken = 0;
    class SlowStore extends MemoryTicketStore {
      override async take(key: string) {
        takes += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        const record = await super.take(key);
        taken += 1;
        return record;
      }
    }
    const gate = createWsGate({
      tickets: { store: new SlowStore() },
      origins: { allow: 'https://app.example.com' },
      connections: { maxPerSubject: 1 },
    });
    cleanups.push(() => gate.tickets.close());
    const { port, accepted } = await serve(gate);
    const first = await gate.tickets.issue({ subject: 'bob', ip: '127.0.0.1' });
    const { socket } = exchange(port, upgradeRequest(`/ws?ticket=${first.ticket}`));
    await waitFor(() => (takes === 1 ? true : undefined), 'the first redeem');
    socket.destroy();
    // Once the redeem is done, the rest of the check runs in microtasks: one timer tick later it is over.
    await waitFor(() => (taken === 1 ? true : undefined), 'the first redeem to finish');
    await new Promise((resolve) => setTimeout(resolve, 10));
    // bob's only slot was given back: his next ticket opens.
    const second = await gate.tickets.issue({ subject: 'bob', ip: '127.0.0.1' });
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws?ticket=${second.ticket}`);
    cleanups.push(() => void client.terminate());
    const [welcome] = (await once(client, 'message')) as [Buffer];
    expect(welcome.toString()).toBe('welcome');
    expect(accepted.map((acceptance) => acceptance.principal.subject)).toEqual(['bob']);
  });
});
