// Revocation through WsGateService reaches Socket.IO sockets: they are in the gate's registry
// (admitted by @wsgate/socket.io), so a logout disconnects them server-side after an
// `exception` UNAUTHENTICATED, every namespace of the connection included.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WsGateModule, WsGateService } from '../src/index.js';
import {
  createIoApp,
  disconnection,
  emitAck,
  IO_OPTIONS,
  ioConnect,
  ioTarget,
  nextEvent,
  rawUpgrade,
  type TestApp,
} from './socket-io-support.js';

describe('WsGateIoAdapter revocation', () => {
  let t: TestApp;
  let wsGate: WsGateService;
  const endedSessions = new Set<string>();

  beforeAll(async () => {
    t = await createIoApp({
      module: [
        WsGateModule.forRoot({
          ...IO_OPTIONS,
          isSessionActive: (principal) =>
            principal.sessionId === undefined || !endedSessions.has(principal.sessionId),
        }),
      ],
    });
    wsGate = t.app.get(WsGateService);
  });
  afterAll(async () => {
    await t.close();
  });

  it("revokeSession disconnects that session's sockets after an exception, and leaves the others", async () => {
    const { socket: first } = await ioConnect(t, 'alice', { sessionId: 's1' });
    const { socket: second } = await ioConnect(t, 'alice', { sessionId: 's1', namespace: '/admin' });
    const { socket: other } = await ioConnect(t, 'alice', { sessionId: 's2' });
    await vi.waitFor(() => expect(wsGate.connectionsOf('alice')).toHaveLength(3));
    const exception = nextEvent(first, 'exception');
    const firstGone = disconnection(first);
    const secondGone = disconnection(second);
    expect(wsGate.revokeSession('s1', 'logged out')).toBe(2);
    expect(await exception).toEqual({ code: 'UNAUTHENTICATED', message: 'logged out' });
    expect(await firstGone).toBe('io server disconnect');
    expect(await secondGone).toBe('io server disconnect');
    expect(await emitAck(other, 'whoami')).toMatchObject({ ok: true, user: 'alice' });
  });

  it('refuses (401) an outstanding ticket of an ended session', async () => {
    const early = await t.ticket('bob', { sessionId: 's3' });
    endedSessions.add('s3');
    expect(await rawUpgrade(ioTarget(t), `&ticket=${early}`)).toMatchObject({ upgraded: false, status: 401 });
  });

  it('revokeSubject disconnects every socket of the subject', async () => {
    const { socket: a } = await ioConnect(t, 'carol', { sessionId: 'c1' });
    const { socket: b } = await ioConnect(t, 'carol');
    const goneA = disconnection(a);
    const goneB = disconnection(b);
    expect(wsGate.revokeSubject('carol')).toBe(2);
    expect(await goneA).toBe('io server disconnect');
    expect(await goneB).toBe('io server disconnect');
    await vi.waitFor(() => expect(wsGate.connectionsOf('carol')).toHaveLength(0));
    expect(wsGate.principalOf(a)).toBeUndefined();
  });
});
