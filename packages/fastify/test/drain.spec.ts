// app.close() drains the gate (issue 18 item 2): open sockets are closed with 1012 (service
// restart) instead of @fastify/websocket's code-less close (1005), and new upgrades get core's
// 503 SERVICE_UNAVAILABLE while the drain lasts.
import { describe, expect, it, vi } from 'vitest';
import { buildTestApp, requestTicket, wsUrl } from './support/app.js';
import { closed, nextMessage, openOk, openRefused, sendJson } from './support/sockets.js';

describe('drain on app.close()', () => {
  it('closes every open socket with 1012 "service restart" and then closes', async () => {
    const app = await buildTestApp({ plugin: {} });
    const sockets = [
      await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app, { user: 'alice' })}`),
      await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app, { user: 'bob' })}`),
    ];
    await vi.waitFor(() => expect(app.wsgate.registry.size).toBe(2));
    await app.close();
    for (const socket of sockets)
      await expect(closed(socket)).resolves.toEqual({ code: 1012, reason: 'service restart' });
    expect(app.wsgate.registry.size).toBe(0);
  });

  it('serves open sockets through drain.delayMs, refuses new upgrades with 503, and ends early once they leave', async () => {
    const app = await buildTestApp({ plugin: { drain: { delayMs: 60_000 } } });
    const socket = await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app, { user: 'alice' })}`);
    await nextMessage(socket); // welcome
    const unused = await requestTicket(app, { user: 'bob' });
    const closing = app.close();
    await vi.waitFor(() => expect(app.wsgate.gate.draining).toBe(true));

    const refused = await openRefused(`${wsUrl(app)}?ticket=${unused}`);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'SERVICE_UNAVAILABLE' });
    expect(refused.opened).toBe(false);
    // The open socket is still served during the drain period.
    sendJson(socket, { type: 'whoami' });
    await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'whoami' });

    socket.close(1000);
    await closing; // long before the 60 s drain period: no socket left to wait for
    await expect(closed(socket)).resolves.toMatchObject({ code: 1000 });
  });
});
