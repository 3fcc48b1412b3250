import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { buildTestApp, requestTicket, wsUrl } from './support/app.js';
import { closed, nextMessage, openOk, sendJson } from './support/sockets.js';

async function connect(app: FastifyInstance, user: string, session: string): Promise<WebSocket> {
  const socket = await openOk(`${wsUrl(app)}?ticket=${await requestTicket(app, { user, session })}`);
  await nextMessage(socket); // welcome
  return socket;
}

async function expectServed(socket: WebSocket): Promise<void> {
  sendJson(socket, { type: 'whoami' });
  await expect(nextMessage(socket)).resolves.toMatchObject({ type: 'whoami' });
}

describe('revocation', () => {
  async function fourSockets() {
    const app = await buildTestApp({ plugin: {} });
    const sockets = {
      aliceLaptop1: await connect(app, 'alice', 'alice-laptop'),
      aliceLaptop2: await connect(app, 'alice', 'alice-laptop'),
      alicePhone: await connect(app, 'alice', 'alice-phone'),
      bob: await connect(app, 'bob', 'bob-laptop'),
    };
    expect(app.wsgate.registry.size).toBe(4);
    return { app, sockets };
  }

  it("revokeSession closes exactly that session's sockets with 4401 and returns how many", async () => {
    const { app, sockets } = await fourSockets();
    expect(app.wsgate.revokeSession('alice-laptop', 'logged out')).toBe(2);
    await expect(closed(sockets.aliceLaptop1)).resolves.toEqual({ code: 4401, reason: 'logged out' });
    await expect(closed(sockets.aliceLaptop2)).resolves.toEqual({ code: 4401, reason: 'logged out' });
    await expectServed(sockets.alicePhone);
    await expectServed(sockets.bob);
    await vi.waitFor(() => expect(app.wsgate.registry.size).toBe(2));
    expect(app.wsgate.revokeSession('alice-laptop')).toBe(0);
  });

  it("revokeSubject closes every socket of that subject with 4401, and no one else's", async () => {
    const { app, sockets } = await fourSockets();
    expect(app.wsgate.revokeSubject('alice')).toBe(3);
    for (const socket of [sockets.aliceLaptop1, sockets.aliceLaptop2, sockets.alicePhone]) {
      await expect(closed(socket)).resolves.toEqual({ code: 4401, reason: 'subject revoked' });
    }
    await expectServed(sockets.bob);
    await vi.waitFor(() => expect(app.wsgate.registry.size).toBe(1));
    expect(app.wsgate.registry.connectionsOf('alice')).toEqual([]);
  });

  it('closes the sockets even when the reason is longer than a close frame carries, cutting it to 123 bytes', async () => {
    const { app, sockets } = await fourSockets();
    // 11 + 5 × 20 + 11 bytes, then 'ä' (2 bytes) straddles byte 123: the cut must not split it.
    const reason = `Abgemeldet:${'Passwort geändert. '.repeat(10)}`;
    const expected = `Abgemeldet:${'Passwort geändert. '.repeat(5)}Passwort ge`;
    expect(Buffer.byteLength(expected)).toBe(122);
    expect(app.wsgate.revokeSession('alice-laptop', reason)).toBe(2);
    expect(app.wsgate.revokeSubject('bob', reason)).toBe(1);
    for (const socket of [sockets.aliceLaptop1, sockets.aliceLaptop2, sockets.bob]) {
      const { code, reason: received } = await closed(socket);
      expect(code).toBe(4401);
      expect(received).toBe(expected);
    }
    await vi.waitFor(() => expect(app.wsgate.registry.size).toBe(1));
  });

  it('empties the registry as sockets close', async () => {
    const { app, sockets } = await fourSockets();
    for (const socket of Object.values(sockets)) socket.close(1000);
    await vi.waitFor(() => expect(app.wsgate.registry.size).toBe(0));
    expect(app.wsgate.revokeSubject('alice')).toBe(0);
    expect(app.wsgate.revokeSession('bob-laptop')).toBe(0);
  });

  it('unregisters a socket the client drops without a close frame', async () => {
    const { app, sockets } = await fourSockets();
    sockets.bob.terminate();
    await vi.waitFor(() => expect(app.wsgate.registry.size).toBe(3));
    expect(app.wsgate.registry.connectionsOf('bob')).toEqual([]);
  });
});
