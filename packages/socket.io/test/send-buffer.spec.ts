// The send-buffer cap (supervision.maxBufferedBytes) on Socket.IO: a client that stops reading
// while the server emits to it is dropped once what is queued for it passes the cap, instead of
// making Engine.IO buffer without bound; the other clients keep being served.
import type { Socket as TcpSocket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import {
  connected,
  disconnection,
  emitAck,
  eventually,
  nextEvent,
  rawPoll,
  rawUpgrade,
  ticketFor,
} from './support/clients.js';
import { SERVERS, type TestServer, type TestServerOptions } from './support/servers.js';

const CAP = 64 * 1024;
const EVENT_TEXT = 'x'.repeat(16 * 1024);
/** Enough 16 KiB events to fill the loopback's kernel buffers many times over (64 MiB). */
const MAX_EVENTS = 4_000;
const SLOW = 60_000;

/** What the server holds for one Engine.IO connection (`socket.conn`), as the specs read it. */
interface EngineConnectionView {
  readonly readyState: string;
  readonly writeBuffer: readonly { readonly data?: unknown }[];
  readonly transport: { readonly socket?: { readonly bufferedAmount: number } };
  on(event: 'close', listener: () => void): unknown;
}

/**
 * Bytes the server holds for a connection: its Engine.IO write buffer (each packet's data and
 * type character) plus what its WebSocket has not written to the network yet.
 */
function queuedBytes(connection: EngineConnectionView): number {
  let bytes = connection.transport.socket?.bufferedAmount ?? 0;
  for (const packet of connection.writeBuffer)
    bytes += 1 + (typeof packet.data === 'string' ? Buffer.byteLength(packet.data) : 0);
  return bytes;
}

interface FloodServer extends TestServer {
  /** Each user's Engine.IO connection, by subject. */
  readonly connections: Map<string, EngineConnectionView>;
  /** What was queued for each connection when Engine.IO closed it, by subject. */
  readonly queuedAtClose: Map<string, number>;
  /** The server-side `disconnect` reason of each socket, by subject. */
  readonly disconnects: Map<string, string>;
}

/** A server whose sockets join `feed`, recording each Engine.IO connection and what it held at its close. */
async function floodServer(
  start: (options?: TestServerOptions) => Promise<TestServer>,
  options: TestServerOptions = {},
): Promise<FloodServer> {
  const connections = new Map<string, EngineConnectionView>();
  const queuedAtClose = new Map<string, number>();
  const disconnects = new Map<string, string>();
  const server = await start({
    ...options,
    setup: ({ io }) => {
      io.on('connection', (socket) => {
        const { subject } = socket.data.principal;
        const connection = socket.conn as unknown as EngineConnectionView;
        connections.set(subject, connection);
        connection.on('close', () => queuedAtClose.set(subject, queuedBytes(connection)));
        socket.on('disconnect', (reason) => disconnects.set(subject, reason));
        void socket.join('feed');
        socket.emit('welcome', { user: subject });
      });
    },
  });
  return Object.assign(server, { connections, queuedAtClose, disconnects });
}

/**
 * Broadcasts 16 KiB `tick` events to `feed`, yielding between events, until `stop()` holds or
 * `MAX_EVENTS` went out; then `done` with the count. Resolves with the count.
 */
async function flood(server: TestServer, stop: () => boolean): Promise<number> {
  let sent = 0;
  while (sent < MAX_EVENTS && !stop()) {
    server.io.to('feed').emit('tick', sent, EVENT_TEXT);
    sent += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  server.io.to('feed').emit('done', sent);
  return sent;
}

/** A raw Engine.IO 4 client over WebSocket, joined to the main namespace, that then stops reading. */
async function stalledClient(
  server: TestServer,
  user: string,
): Promise<{ socket: WebSocket; tcp: TcpSocket; closed: Promise<{ code: number; reason: string }> }> {
  const outcome = await rawUpgrade(server, `&ticket=${await ticketFor(server, { user })}`);
  if (!outcome.upgraded) throw new Error(`upgrade refused: ${outcome.status}`);
  const { socket } = outcome;
  const welcome = new Promise<void>((resolve) =>
    socket.on('message', (data) => {
      if (data.toString().startsWith('42["welcome"')) resolve();
    }),
  );
  socket.send('40');
  await welcome;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const tcp = (socket as unknown as { _socket: TcpSocket })._socket;
  tcp.pause();
  return { socket, tcp, closed };
}

/** The ticks a socket.io-client receives, and the `done` count. */
function ticksOf(socket: Awaited<ReturnType<typeof connected>>['socket']) {
  const ticks: number[] = [];
  socket.on('tick', (index: number) => ticks.push(index));
  return { ticks, done: nextEvent(socket, 'done', 30_000) };
}

const closesWith = (server: TestServer, code: number, subject: string) =>
  server.audit.filter(
    (event) =>
      event.event === 'wsgate.close' && event.fields['code'] === code && event.fields['subject'] === subject,
  );

describe.each(SERVERS)('send-buffer cap on %s', (_name, start) => {
  it(
    'drops a client that stops reading once what is queued for it passes maxBufferedBytes (1008); a reading client is served throughout',
    async () => {
      const server = await floodServer(start, { wsgate: { supervision: { maxBufferedBytes: CAP } } });
      const slow = await stalledClient(server, 'slow');
      const reader = await connected(server, { user: 'reader' });
      const { ticks, done } = ticksOf(reader.socket);
      const slowConnection = server.connections.get('slow');
      expect(slowConnection?.readyState).toBe('open');

      const sent = await flood(server, () => slowConnection?.readyState === 'closed');

      // Engine.IO let go of the slow client long before the last event, holding at most the cap.
      expect(sent).toBeLessThan(MAX_EVENTS);
      expect(slowConnection?.readyState).toBe('closed');
      const queued = server.queuedAtClose.get('slow') ?? Number.NaN;
      expect(queued).toBeLessThanOrEqual(CAP);
      // It was the cap that closed it: the next event would have taken it past.
      expect(queued + EVENT_TEXT.length).toBeGreaterThan(CAP - 1_024);
      await eventually(() => server.io.engine.clientsCount === 1, 'the slow client to leave Engine.IO');
      expect([...server.io.sockets.sockets.values()].map((socket) => socket.data.principal.subject)).toEqual([
        'reader',
      ]);

      // The reader got every event, in order, and is still served.
      expect(await done).toBe(sent);
      expect(ticks).toEqual(Array.from({ length: sent }, (_, index) => index));
      expect(await emitAck(reader.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'reader' });
      expect(reader.socket.connected).toBe(true);
      expect(closesWith(server, 1008, 'reader')).toEqual([]);

      // Once the slow client reads again, it finds the close frame behind what was queued: 1008.
      slow.tcp.resume();
      await expect(slow.closed).resolves.toEqual({ code: 1008, reason: 'send buffer full' });
      await eventually(() => closesWith(server, 1008, 'slow').length === 1, 'the 1008 close to be audited');
      expect(server.wsgate.registry.size).toBe(1);
      expect(server.wsgate.registry.connectionsOf('reader')).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'socket.io-client sees a transport close, without exception, and may come back with a fresh ticket',
    async () => {
      const server = await floodServer(start, { wsgate: { supervision: { maxBufferedBytes: CAP } } });
      const { socket } = await connected(server, { user: 'slow' });
      const exceptions: unknown[] = [];
      socket.on('exception', (error: unknown) => exceptions.push(error));
      const engineTransport = socket.io.engine.transport as unknown as { ws: { _socket: TcpSocket } };
      const tcp = engineTransport.ws._socket;
      tcp.pause();
      const slowConnection = server.connections.get('slow');

      await flood(server, () => slowConnection?.readyState === 'closed');
      expect(slowConnection?.readyState).toBe('closed');
      const gone = disconnection(socket, 30_000);
      tcp.resume();

      expect(await gone).toBe('transport close');
      expect(server.disconnects.get('slow')).toBe('forced close');
      expect(exceptions).toEqual([]);
      await eventually(() => closesWith(server, 1008, 'slow').length === 1, 'the 1008 close to be audited');
      // A fresh ticket connects again.
      const again = await connected(server, { user: 'slow' });
      expect(await emitAck(again.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'slow' });
    },
    SLOW,
  );

  it(
    'maxBufferedBytes: 0 is no cap: a client that stops reading is kept while more than 1 MiB piles up for it',
    async () => {
      const server = await floodServer(start, { wsgate: { supervision: { maxBufferedBytes: 0 } } });
      const slow = await stalledClient(server, 'slow');
      const slowConnection = server.connections.get('slow') as EngineConnectionView;

      const sent = await flood(server, () => queuedBytes(slowConnection) > 2 * 1_048_576);

      expect(sent).toBeLessThan(MAX_EVENTS);
      expect(queuedBytes(slowConnection)).toBeGreaterThan(2 * 1_048_576);
      expect(slowConnection.readyState).toBe('open');
      expect(server.io.engine.clientsCount).toBe(1);
      expect(closesWith(server, 1008, 'slow')).toEqual([]);
      slow.socket.terminate();
    },
    SLOW,
  );

  it('drops a long-polling client that stops polling once its write buffer passes the cap', async () => {
    const server = await floodServer(start, {
      wsgate: { polling: true, supervision: { maxBufferedBytes: CAP } },
    });
    const open = await rawPoll(server, `&ticket=${await ticketFor(server, { user: 'poller' })}`);
    expect(open.status).toBe(200);
    const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
    expect((await rawPoll(server, `&sid=${sid}`, { method: 'POST', body: '40' })).status).toBe(200);
    await eventually(() => server.connections.has('poller'), 'the polling socket to connect');
    const reader = await connected(server, { user: 'reader' });
    const { ticks, done } = ticksOf(reader.socket);
    const poller = server.connections.get('poller') as EngineConnectionView;

    // The poller never polls again: every event waits in Engine.IO's write buffer.
    const sent = await flood(server, () => poller.readyState === 'closed');

    expect(sent).toBeLessThan(CAP / EVENT_TEXT.length + 1);
    expect(server.queuedAtClose.get('poller')).toBeLessThanOrEqual(CAP);
    expect(closesWith(server, 1008, 'poller')).toHaveLength(1);
    expect(server.io.engine.clientsCount).toBe(1);
    // The session is gone: a poll of it is refused.
    expect((await rawPoll(server, `&sid=${sid}`)).status).toBe(401);
    expect(await done).toBe(sent);
    expect(ticks).toHaveLength(sent);
    expect(await emitAck(reader.socket, 'whoami', {})).toMatchObject({ ok: true, user: 'reader' });
  });
});
