// Revocation and the other closes core decides, in Socket.IO terms: a server-side disconnect
// after an exception (socket.io-client does not come back), or a transport close (it does).
import { MemoryTicketStore, type TicketRecord } from '@wsgate/core';
import { describe, expect, it } from 'vitest';
import {
  clientSocket,
  connected,
  disconnection,
  emitAck,
  eventually,
  nextEvent,
  ticketFor,
} from './support/clients.js';
import { SERVERS } from './support/servers.js';

describe.each(SERVERS)('revocation and closes on %s', (_name, start) => {
  it('revokeSession: exception UNAUTHENTICATED, server-side disconnect, and socket.io-client does not reconnect', async () => {
    const server = await start();
    const socket = clientSocket(server, {
      ticket: await ticketFor(server, { user: 'alice', session: 's-1' }),
      options: { reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 10 },
    });
    await nextEvent(socket, 'welcome');
    const other = await connected(server, { user: 'alice', session: 's-2' });
    const exception = nextEvent(socket, 'exception');
    const gone = disconnection(socket);
    expect(server.wsgate.revokeSession('s-1', 'logged out')).toBe(1);
    expect(await exception).toEqual({ code: 'UNAUTHENTICATED', message: 'logged out' });
    expect(await gone).toBe('io server disconnect');
    // Not reconnecting: the socket let go of its manager, which is closed for good.
    expect(socket.active).toBe(false);
    expect(socket.io._readyState).toBe('closed');
    // The other session of the same user is untouched.
    expect(await emitAck(other.socket, 'whoami', {})).toMatchObject({ ok: true });
    expect(server.wsgate.registry.size).toBe(1);
    expect(server.audit).toContainEqual(
      expect.objectContaining({ event: 'wsgate.close', fields: expect.objectContaining({ code: 4401 }) }),
    );
  });

  it('revokeSubject reaches every namespace the connection joined', async () => {
    const server = await start({
      setup: ({ io }) => {
        io.on('connection', (socket) => socket.emit('welcome', {}));
        io.of('/admin').on('connection', (socket) => socket.emit('welcome', {}));
      },
    });
    const { socket } = await connected(server, { user: 'alice' });
    const admin = socket.io.socket('/admin');
    await nextEvent(admin, 'welcome');
    const exceptions = [nextEvent(socket, 'exception'), nextEvent(admin, 'exception')];
    const gone = [disconnection(socket), disconnection(admin)];
    expect(server.wsgate.revokeSubject('alice')).toBe(1);
    expect(await Promise.all(exceptions)).toEqual([
      { code: 'UNAUTHENTICATED', message: 'subject revoked' },
      { code: 'UNAUTHENTICATED', message: 'subject revoked' },
    ]);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
  });

  it('an ended session found by the re-check disconnects like a revocation', async () => {
    const active = new Set(['s-1']);
    const server = await start({
      wsgate: {
        isSessionActive: (principal) => active.has(principal.sessionId ?? ''),
        supervision: { sessionCheckIntervalMs: 50 },
      },
    });
    const { socket } = await connected(server, { session: 's-1' });
    const exception = nextEvent(socket, 'exception');
    active.delete('s-1');
    expect(await exception).toEqual({ code: 'UNAUTHENTICATED', message: 'session ended' });
    expect(socket.active).toBe(false);
  });

  it('the lifetime limit is a transport close, which socket.io-client answers by reconnecting', async () => {
    const server = await start({ wsgate: { supervision: { maxLifetimeMs: 300 } } });
    const socket = clientSocket(server, {
      ticket: await ticketFor(server),
      options: { reconnection: true, reconnectionAttempts: 1, reconnectionDelay: 10_000 },
    });
    await nextEvent(socket, 'welcome');
    const exceptions: unknown[] = [];
    socket.on('exception', (error) => exceptions.push(error));
    expect(await disconnection(socket, 5_000)).toBe('transport close');
    expect(exceptions).toEqual([]);
    // Still active: socket.io-client schedules a reconnection (the @wsgate helper brings a fresh ticket).
    expect(socket.active).toBe(true);
    expect(server.audit).toContainEqual(
      expect.objectContaining({ event: 'wsgate.close', fields: expect.objectContaining({ code: 4000 }) }),
    );
  });

  it('a drain (1012) is a transport close too', async () => {
    const server = await start();
    const { socket } = await connected(server, { user: 'alice' });
    const gone = disconnection(socket);
    for (const connection of server.wsgate.registry.connectionsOf('alice'))
      connection.close(1012, 'draining');
    expect(await gone).toBe('transport close');
  });

  it('a connection admitted after a drain closed every socket is closed too, and its slot given back', async () => {
    // The ticket store answers the redeem only when the test says so: the drain runs meanwhile.
    const store = new MemoryTicketStore();
    let answerTake: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (answerTake = resolve));
    let redeeming = false;
    const take = store.take.bind(store);
    store.take = async (key: string): Promise<TicketRecord | undefined> => {
      redeeming = true;
      await held;
      return take(key);
    };
    const server = await start({ wsgate: { tickets: { store } } });
    const socket = clientSocket(server, { ticket: await ticketFor(server, { user: 'alice' }) });
    await eventually(() => redeeming, 'the handshake to redeem its ticket');
    // No connection open: the drain goes straight to closing every socket, and is over.
    expect(await server.wsgate.gate.drain()).toEqual({ closed: 0, terminated: 0 });
    answerTake();
    // Accepted before the drain, admitted after its 1012s went out: closed the same way.
    expect(await disconnection(socket, 5_000)).toBe('transport close');
    await eventually(() => server.wsgate.registry.size === 0, 'the slot to be given back');
    expect(server.audit).toContainEqual(
      expect.objectContaining({ event: 'wsgate.close', fields: expect.objectContaining({ code: 1012 }) }),
    );
  });

  it('gives the connection slot back when a socket goes', async () => {
    const server = await start({ wsgate: { connections: { maxPerSubject: 1 } } });
    const first = await connected(server, { user: 'carol' });
    expect(server.wsgate.registry.size).toBe(1);
    first.socket.disconnect();
    await eventually(() => server.wsgate.registry.size === 0, 'the slot to be given back');
    expect(server.wsgate.registry.size).toBe(0);
    expect((await connected(server, { user: 'carol' })).welcome).toBeDefined();
  });
});
