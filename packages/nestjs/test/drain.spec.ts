// app.close() drains the gate on Nest's shutdown hooks (issue 18 item 2): open sockets are closed
// with 1012 (service restart) before Nest closes its WebSocket servers, and new upgrades get
// 503 SERVICE_UNAVAILABLE while the drain lasts. On Express and on Fastify.
import { describe, expect, it, vi } from 'vitest';
import { WsGateModule, WsGateService } from '../src/index.js';
import { connect, createApp, DEFAULT_OPTIONS, open, PLATFORMS } from './support.js';

describe.each(PLATFORMS)('drain on app.close() (%s)', (platform) => {
  it('closes every open socket with 1012 "service restart"', async () => {
    const t = await createApp({ platform });
    const sockets = [
      await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice')}`)),
      await connect(t.wsUrl('/ws', `ticket=${await t.ticket('bob')}`)),
    ];
    await t.close();
    for (const { client } of sockets)
      expect(await client.closed).toEqual({ code: 1012, reason: 'service restart' });
  });

  it('serves open sockets through drain.delayMs and refuses new upgrades with 503 meanwhile', async () => {
    const t = await createApp({
      platform,
      module: [WsGateModule.forRoot({ ...DEFAULT_OPTIONS, drain: { delayMs: 60_000 } })],
    });
    const gate = t.app.get(WsGateService).gate;
    const { client } = await connect(t.wsUrl('/ws', `ticket=${await t.ticket('alice')}`));
    const unused = await t.ticket('bob');
    const closing = t.close();
    await vi.waitFor(() => expect(gate.draining).toBe(true));

    const refused = await open(t.wsUrl('/ws', `ticket=${unused}`));
    expect(refused).toMatchObject({ kind: 'refused', status: 503 });
    expect(refused.kind === 'refused' ? JSON.parse(refused.body) : undefined).toEqual({
      error: 'SERVICE_UNAVAILABLE',
    });
    expect(await client.exchange({ type: 'whoami' })).toMatchObject({ type: 'whoami', subject: 'alice' });

    client.socket.close(1000);
    await closing; // long before the 60 s drain period: no socket left to wait for
    expect((await client.closed).code).toBe(1000);
  });
});
