import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WsGateModule, WsGateService } from '../src/index.js';
import { connect, createApp, open, ORIGIN, type TestApp } from './support.js';

describe('revocation', () => {
  let t: TestApp;
  let wsGate: WsGateService;
  const endedSessions = new Set<string>();

  beforeAll(async () => {
    t = await createApp({
      module: [
        WsGateModule.forRoot({
          envelope: 'type',
          origins: { allow: [ORIGIN] },
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

  it("revokeSession closes that session's sockets with 4401 and leaves other sessions open", async () => {
    const first = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice', { sessionId: 's1' })}`));
    const second = await connect(t.wsUrl(), {
      protocols: ['wsgate', `wsgate.ticket.${await t.ticket('alice', { sessionId: 's1' })}`],
    });
    const other = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice', { sessionId: 's2' })}`));
    expect(wsGate.connectionCount).toBe(3);
    expect(wsGate.revokeSession('s1')).toBe(2);
    expect(await first.client.closed).toEqual({ code: 4401, reason: 'session revoked' });
    expect((await second.client.closed).code).toBe(4401);
    expect(await other.client.exchange({ type: 'whoami' })).toMatchObject({
      type: 'whoami',
      sessionId: 's2',
    });
    other.client.socket.close();
    await other.client.closed;
  });

  it('refuses (401) an outstanding ticket of an ended session through the isSessionActive option', async () => {
    const early = await t.ticket('bob', { sessionId: 's3' });
    endedSessions.add('s3');
    expect(wsGate.revokeSession('s3')).toBe(0);
    const refused = await open(t.wsUrl('/ws', `ticket=${early}`));
    expect(refused).toMatchObject({ kind: 'refused', status: 401 });
    expect(
      t.logger.lines.some(
        (line) =>
          line.text.includes('"code":"TICKET_INVALID"') && line.text.includes('"reason":"session_ended"'),
      ),
    ).toBe(true);
  });

  it('cuts an over-long close reason to 123 bytes instead of leaving the socket open', async () => {
    const { client } = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('dora', { sessionId: 'd1' })}`));
    expect(wsGate.revokeSession('d1', 'é'.repeat(100))).toBe(1);
    const { code, reason } = await client.closed;
    expect(code).toBe(4401);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
  });

  it('revokeSubject closes every socket of the subject', async () => {
    const a = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('carol', { sessionId: 'c1' })}`));
    const b = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('carol')}`));
    expect(wsGate.connectionsOf('carol')).toHaveLength(2);
    expect(wsGate.revokeSubject('carol')).toBe(2);
    expect((await a.client.closed).code).toBe(4401);
    expect((await b.client.closed).code).toBe(4401);
    await vi.waitFor(() => expect(wsGate.connectionsOf('carol')).toHaveLength(0));
  });
});
