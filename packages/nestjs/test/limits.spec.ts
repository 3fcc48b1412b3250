import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WsGateModule, WsGateService } from '../src/index.js';
import { connect, createApp, DEFAULT_OPTIONS, open, ORIGIN, type TestApp } from './support.js';

/** A masked client frame (opcode, FIN flag, payload up to 125 bytes). */
function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | payload.length, 0, 0, 0, 0]);
  return Buffer.concat([header, payload]);
}

/** Completes a handshake on a raw TCP socket and resolves once the 101 arrived. */
function rawUpgrade(port: number, path: string) {
  const socket = createConnection({ host: '127.0.0.1', port });
  const upgraded = new Promise<void>((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      socket.removeListener('data', onData);
      if (received.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(received.split('\r\n')[0]));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, upgraded, closed };
}

describe('core limits and supervision through the adapter', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('refuses a subject over its connection cap with 429 TOO_MANY_CONNECTIONS, and frees the slot on close', async () => {
    const t = await createApp({
      module: [WsGateModule.forRoot({ origins: { allow: [ORIGIN] }, connections: { maxPerSubject: 1 } })],
    });
    apps.push(t);
    const first = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice')}`));
    const second = await open(t.wsUrl('/ws', `ticket=${await t.ticket('alice')}`));
    expect(second).toMatchObject({ kind: 'refused', status: 429 });
    if (second.kind === 'refused') expect(JSON.parse(second.body)).toEqual({ error: 'TOO_MANY_CONNECTIONS' });
    first.client.socket.close();
    await first.client.closed;
    await expect.poll(() => t.app.get(WsGateService).connectionCount).toBe(0);
    const third = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice')}`));
    expect(third.welcome).toMatchObject({ user: 'alice' });
    third.client.socket.close();
  });

  it('blocks an address after too many refused tickets with 429 TOO_MANY_REFUSALS', async () => {
    const t = await createApp({
      module: [
        WsGateModule.forRoot({
          origins: { allow: [ORIGIN] },
          bruteForce: { maxRefusals: 3, windowMs: 60_000 },
        }),
      ],
    });
    apps.push(t);
    for (let i = 0; i < 3; i += 1)
      expect(await open(t.wsUrl('/ws', 'ticket=nope'))).toMatchObject({ status: 401 });
    const blocked = await open(t.wsUrl('/ws', `ticket=${await t.ticket()}`));
    expect(blocked).toMatchObject({ kind: 'refused', status: 429 });
    if (blocked.kind === 'refused') expect(JSON.parse(blocked.body)).toEqual({ error: 'TOO_MANY_REFUSALS' });
  });

  it('re-checks the session of open sockets: an ended session closes with 4401 without a revoke call', async () => {
    const active = new Set(['live']);
    const t = await createApp({
      module: [
        WsGateModule.forRoot({
          origins: { allow: [ORIGIN] },
          isSessionActive: (principal) =>
            principal.sessionId !== undefined && active.has(principal.sessionId),
          supervision: { sessionCheckIntervalMs: 50 },
        }),
      ],
    });
    apps.push(t);
    const { client } = await connect(
      t.wsUrl('/ws', `ticket=${await t.ticket('alice', { sessionId: 'live' })}`),
    );
    active.delete('live');
    expect(await client.closed).toEqual({ code: 4401, reason: 'session ended' });
  });

  it('answers every frame of a 60-frame burst within the bucket (40) before closing with 4429', async () => {
    const t = await createApp({ module: [WsGateModule.forRoot(DEFAULT_OPTIONS)] });
    apps.push(t);
    const { client } = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice')}`));
    for (let index = 0; index < 60; index += 1) client.send({ type: 'async' });
    const { code } = await client.closed;
    expect(code).toBe(4429);
    expect(client.frames.filter((frame) => (frame as { type?: string }).type === 'later')).toHaveLength(40);
  });

  it('closes a socket that sends more than 128 fragments of one message with 1008, other sockets served', async () => {
    const t = await createApp({ module: [WsGateModule.forRoot(DEFAULT_OPTIONS)] });
    apps.push(t);
    const { client: other } = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('bob')}`));
    const raw = rawUpgrade(t.port, `/ws?ticket=${await t.ticket('alice')}`);
    await raw.upgraded;
    const fragments = [clientFrame(0x1, Buffer.from('{'), false)];
    for (let index = 0; index < 200; index += 1) fragments.push(clientFrame(0x0, Buffer.from(' '), false));
    raw.socket.write(Buffer.concat(fragments));
    await raw.closed;
    expect(await other.exchange({ type: 'whoami' })).toMatchObject({ type: 'whoami', user: 'bob' });
    other.socket.close();
    // The protocol error is audited once, as wsgate.socket_error with ws's code.
    const socketErrors = () =>
      t.logger.lines.filter((line) => line.text.includes('"event":"wsgate.socket_error"'));
    await expect.poll(() => socketErrors().length).toBe(1);
    expect(socketErrors()[0]?.text).toMatch(/"code":"WS_ERR_[A-Z_]+"/);
  });

  it("drops a client that floods pings without reading (ws limits on the adapter's own ws server)", async () => {
    const t = await createApp({ module: [WsGateModule.forRoot(DEFAULT_OPTIONS)] });
    apps.push(t);
    const server = (t.app.getHttpAdapter().getHttpServer() as import('node:http').Server).listeners(
      'upgrade',
    );
    expect(server.length).toBeGreaterThan(0);
    const raw = rawUpgrade(t.port, `/ws?ticket=${await t.ticket('alice')}`);
    await raw.upgraded;
    raw.socket.pause(); // never reads: the server's pongs pile up
    const ping = clientFrame(0x9, Buffer.alloc(125, 1));
    const burst = Buffer.concat(Array.from({ length: 2_000 }, () => ping));
    let closed = false;
    void raw.closed.then(() => (closed = true));
    for (let round = 0; round < 200 && !closed; round += 1) {
      if (!raw.socket.write(burst)) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await raw.closed;
    await expect.poll(() => t.app.get(WsGateService).connectionCount).toBe(0);
  });
});
