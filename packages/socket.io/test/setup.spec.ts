// Securing a given Socket.IO server: options read and checked once, Engine.IO's limits set from
// core's, every namespace hooked, the principal read-only.
import { createServer } from 'node:http';
import { createWsGate, WsGateConfigError, type AuditEvent } from '@wsgate/core';
import { Server } from 'socket.io';
import { describe, expect, it, onTestFinished } from 'vitest';
import { wsgateSocketIo, type WsGateSocketIoOptions } from '../src/index.js';
import { connected, emitAck, nextEvent } from './support/clients.js';
import { testEvents } from './support/protocol.js';
import { ALLOWED_ORIGIN, startHttpServer } from './support/servers.js';

function attachedServer(options: ConstructorParameters<typeof Server>[1] = {}) {
  const io = new Server(createServer(), options);
  onTestFinished(() => io.close());
  return io;
}

const base: WsGateSocketIoOptions = { origins: { allow: [ALLOWED_ORIGIN] }, events: testEvents };

describe('options', () => {
  it.each<[string, () => Server, Record<string, unknown>]>([
    ['no events', () => attachedServer(), { events: undefined }],
    ['no origins', () => attachedServer(), { origins: undefined }],
    ['close-frame refusals', () => attachedServer(), { refusal: 'close-frame' }],
    [
      'a gate and core options',
      () => attachedServer(),
      { gate: createWsGate({ origins: { allow: ALLOWED_ORIGIN } }) },
    ],
    ['a non-boolean polling', () => attachedServer(), { polling: 'yes' }],
    ['a logger without levels', () => attachedServer(), { logger: { info: () => undefined } }],
    [
      'a non-boolean binary flag',
      () => attachedServer(),
      { events: { x: { ...testEvents.whoami, binary: 1 } } },
    ],
    [
      'an event without handler',
      () => attachedServer(),
      { events: { x: { schema: testEvents.whoami.schema } } },
    ],
    ['a Server not attached yet', () => new Server(), {}],
    ['connection-state recovery', () => attachedServer({ connectionStateRecovery: {} }), {}],
    ['Engine.IO 3 clients', () => attachedServer({ allowEIO3: true }), {}],
    ['a Server without WebSocket', () => attachedServer({ transports: ['polling'] }), {}],
  ])('throws WsGateConfigError for %s', (_case, server, options) => {
    expect(() => wsgateSocketIo(server(), { ...base, ...options } as WsGateSocketIoOptions)).toThrow(
      WsGateConfigError,
    );
  });

  it('refuses to secure the same Server twice (the second gate would find every ticket spent)', () => {
    const io = attachedServer();
    wsgateSocketIo(io, base);
    expect(() => wsgateSocketIo(io, base)).toThrow(WsGateConfigError);
  });

  it("sets Engine.IO's limits from core's, lowering only", () => {
    const io = attachedServer({ maxHttpBufferSize: 1e8, pingInterval: 60_000, connectTimeout: 45_000 });
    wsgateSocketIo(io, {
      ...base,
      messages: { maxBytes: 8_192 },
      supervision: { heartbeatIntervalMs: 5_000 },
    });
    expect(io.engine.opts).toMatchObject({
      transports: ['websocket'],
      maxHttpBufferSize: 8_192,
      pingInterval: 5_000,
      pingTimeout: 5_000,
      upgradeTimeout: 10_000,
    });
    expect(io.connectTimeout()).toBe(10_000);
    const ws = (io.engine as unknown as { ws: { options: Record<string, unknown> } }).ws;
    expect(ws.options).toMatchObject({
      maxPayload: 8_192,
      perMessageDeflate: false,
      maxFragments: 128,
      maxBufferedChunks: 1_024,
      maxPendingAutoPongs: 60,
    });
  });

  it('runs on a gate built elsewhere, and leaves its ticket service open on close', async () => {
    const gate = createWsGate({ origins: { allow: ALLOWED_ORIGIN } });
    onTestFinished(() => gate.tickets.close());
    const io = attachedServer();
    const secured = wsgateSocketIo(io, { gate, events: {} });
    expect(secured.gate).toBe(gate);
    await secured.close();
    await expect(gate.tickets.issue({ subject: 'alice', ip: '127.0.0.1' })).resolves.toMatchObject({
      ticket: expect.any(String),
    });
  });

  it('writes audit events through a level logger', async () => {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message }),
      ]),
    ) as unknown as NonNullable<WsGateSocketIoOptions['logger']>;
    const server = await startHttpServer({ wsgate: { logger } });
    await connected(server);
    expect(lines).toContainEqual({
      level: 'info',
      fields: expect.objectContaining({ event: 'wsgate.upgrade_accepted', subject: 'alice' }),
      message: 'WebSocket upgrade accepted',
    });
  });
});

describe('namespaces and the principal', () => {
  it('puts the principal on socket.data in every namespace, dynamic ones included, and checks their events', async () => {
    const seen: string[] = [];
    const server = await startHttpServer({
      setup: ({ io }) => {
        io.on('connection', (socket) => socket.emit('welcome', {}));
        io.of(/^\/room-[a-z]+$/).on('connection', (socket) => {
          seen.push(`${socket.nsp.name}:${socket.data.principal.subject}`);
          socket.emit('welcome', {});
        });
      },
    });
    const { socket } = await connected(server, { user: 'alice' });
    // The manager connects a new namespace socket by itself (autoConnect).
    const room = socket.io.socket('/room-blue');
    await nextEvent(room, 'welcome');
    expect(seen).toEqual(['/room-blue:alice']);
    expect(await emitAck(room, 'whoami', {})).toMatchObject({ ok: true, user: 'alice' });
    expect(await emitAck(room, 'whoami', { extra: 1 })).toMatchObject({ ok: false });
  });

  it('keeps the principal read-only: a middleware cannot replace it', async () => {
    const attempts: string[] = [];
    const server = await startHttpServer({
      setup: ({ io }) => {
        io.use((socket, next) => {
          try {
            (socket.data as { principal: unknown }).principal = { subject: 'root' };
          } catch (error) {
            attempts.push((error as Error).name);
          }
          next();
        });
        io.on('connection', (socket) => socket.emit('welcome', { user: socket.data.principal.subject }));
      },
    });
    expect((await connected(server)).welcome).toEqual({ user: 'alice' });
    expect(attempts).toEqual(['TypeError']);
  });

  it('logs no ticket, ever', async () => {
    const audit: AuditEvent[] = [];
    const server = await startHttpServer({ wsgate: { logger: (event) => audit.push(event) } });
    await connected(server);
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });
});
