// What ends a Socket.IO connection (docs/demo-protocol.md, "Socket.IO mapping", "Disconnects"):
// a flood past the per-connection bucket, binary data, a logout — each an `exception` with its
// code, then a server-side disconnect; the user's other connections are untouched; a packet over
// the size limit, a transport close. And the cap on rooms per socket, which only refuses.
import { connectIo } from 'test-support/socket-io-client';
import { describe, expect, it } from 'vitest';
import { issueTicket, logout } from '../support/http.js';
import { uniqueRoom } from '../support/messages.js';
import {
  connectIoAs,
  disconnectIoClientsAfterEach,
  expectAckError,
  expectIoError,
  expectIoStillServes,
  expectIoWhoami,
  itKeepsSecretsOutOfLogs,
  SOCKET_IO_SAMPLE,
  useSample,
} from './support.js';

/** The protocol's token bucket: 40 events, then 20 per second. */
const BURST = 40;

describe(`${SOCKET_IO_SAMPLE}: disconnects and limits`, () => {
  const sample = useSample(SOCKET_IO_SAMPLE);
  disconnectIoClientsAfterEach();

  it('a flood: the burst (40) is answered, then exception RATE_LIMITED and a server-side disconnect; the same user is not affected elsewhere', async () => {
    const { client: flooder, session } = await connectIoAs(sample(), 'alice');
    const { client: other } = await connectIoAs(sample(), 'alice', { session });
    const answers: unknown[] = [];
    for (let index = 0; index < 100; index += 1)
      flooder.emit('whoami', (answer: unknown) => answers.push(answer));
    expect(await flooder.waitForDisconnect(5_000)).toBe('io server disconnect');
    expectIoError(flooder.received('exception')[0], 'RATE_LIMITED');
    // Every event within the burst is answered before the disconnect (the bucket may refill a few).
    expect(answers.length).toBeGreaterThanOrEqual(BURST);
    expect(answers.length).toBeLessThan(100);
    expect(answers.every((answer) => (answer as { ok?: unknown }).ok === true)).toBe(true);
    await expectIoWhoami(other, 'alice');
  });

  it('binary data: exception UNSUPPORTED_DATA, then a server-side disconnect', async () => {
    const { client } = await connectIoAs(sample(), 'bob');
    client.emit('join', { room: Buffer.from('lobby') });
    expect(await client.waitForDisconnect()).toBe('io server disconnect');
    expectIoError(client.received('exception')[0], 'UNSUPPORTED_DATA');
  });

  it('a packet over 16384 bytes closes the connection itself: a transport close, not a server-side disconnect', async () => {
    const { client } = await connectIoAs(sample(), 'alice');
    client.emit('chat', { room: 'lobby', text: 'x'.repeat(17_000) });
    expect(await client.waitForDisconnect()).toBe('transport close');
    expect(client.received('exception')).toEqual([]);
    await expectIoStillServes(sample());
  });

  it("logout: the session's connections get exception UNAUTHENTICATED and are disconnected within 1 s; another session stays", async () => {
    const { client: first, session } = await connectIoAs(sample(), 'alice');
    const { client: second } = await connectIoAs(sample(), 'alice', { session });
    const { client: otherSession } = await connectIoAs(sample(), 'alice');
    const stockpiled = await issueTicket(sample(), session);
    const response = await logout(sample(), session.cookie);
    expect(response.status).toBe(204);
    const reasons = await Promise.all([first.waitForDisconnect(1_000), second.waitForDisconnect(1_000)]);
    expect(reasons).toEqual(['io server disconnect', 'io server disconnect']);
    for (const client of [first, second])
      expect(client.received('exception')).toEqual([{ code: 'UNAUTHENTICATED', message: 'session ended' }]);
    await expectIoWhoami(otherSession, 'alice');
    // A ticket fetched before the logout opens nothing after it.
    expect(await connectIo(sample(), { ticket: stockpiled })).toMatchObject({ kind: 'failed', status: 401 });
  });

  describe('rooms per socket (MAX_ROOMS_PER_SOCKET=2)', () => {
    const capped = useSample(SOCKET_IO_SAMPLE, { env: { MAX_ROOMS_PER_SOCKET: '2' } });

    it('refuses a third room with TOO_MANY_ROOMS; rooms already joined still work', async () => {
      const { client } = await connectIoAs(capped(), 'alice');
      const [a, b, c] = [uniqueRoom(), uniqueRoom(), uniqueRoom()];
      expect(await client.ack('join', { room: a })).toEqual({ ok: true, room: a });
      expect(await client.ack('join', { room: b })).toEqual({ ok: true, room: b });
      expectAckError(await client.ack('join', { room: c }), 'TOO_MANY_ROOMS');
      expect(await client.ack('join', { room: a }), 'joining again at the cap').toEqual({
        ok: true,
        room: a,
      });
      expect(await client.ack('chat', { room: b, text: 'still here' })).toEqual({ ok: true });
    });
  });

  itKeepsSecretsOutOfLogs(sample);
});
