import { afterEach, describe, expect, it } from 'vitest';
import { WsGateModule, WsGateService } from '../src/index.js';
import { connect, createApp, open, ORIGIN, type TestApp } from './support.js';

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
});
