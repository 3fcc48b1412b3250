// Room flooding (issue 12, "Also fix"): a socket joins at most MAX_ROOMS_PER_SOCKET=50 rooms; one
// more is refused with the error frame TOO_MANY_ROOMS and the socket stays open and served.
import { setTimeout as sleep } from 'node:timers/promises';
import type { WsClient } from 'test-support/ws-client';
import { describe, expect, it } from 'vitest';
import { connectAs, expectServerStillServes, expectWhoami } from './support/actors.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import { chatWithText, expectErrorFrame, ofType, uniqueMarker, uniqueRoom } from './support/messages.js';

const MAX_ROOMS_PER_SOCKET = 50;
/** Joins per burst: below the socket's message bucket (40), which then refills at 20 per second. */
const JOINS_PER_BURST = 25;

async function join(client: WsClient, room: string): Promise<void> {
  const reply = await client.exchange(
    { type: 'join', room },
    (message) => message['type'] === 'error' || (message['type'] === 'joined' && message['room'] === room),
  );
  expect(reply.message, `join ${room}`).toEqual({ type: 'joined', room });
}

describe.each(SAMPLES)('%s: rooms per socket', (sampleName) => {
  const sample = useSample(sampleName);

  it(`refuses room #${MAX_ROOMS_PER_SOCKET + 1} of a socket with TOO_MANY_ROOMS; the socket, its rooms and other sockets keep working`, async () => {
    const alice = await connectAs(sample(), 'alice');
    const rooms = Array.from({ length: MAX_ROOMS_PER_SOCKET }, () => uniqueRoom());
    for (const [index, room] of rooms.entries()) {
      if (index > 0 && index % JOINS_PER_BURST === 0) await sleep(1_500);
      await join(alice, room);
    }
    const extra = uniqueRoom();
    const refused = await alice.exchange(
      { type: 'join', room: extra },
      (message) => message['type'] === 'error',
    );
    expectErrorFrame(refused, 'TOO_MANY_ROOMS', [extra]);
    expect(alice.isOpen).toBe(true);
    // Joining a room it is in again is still fine, and so is chatting in it.
    await join(alice, rooms[0]!);
    const text = uniqueMarker();
    await alice.exchange({ type: 'chat', room: rooms[0], text }, chatWithText(text));
    // The refused room was not joined.
    const notJoined = await alice.exchange(
      { type: 'chat', room: extra, text: 'x' },
      (message) => message['type'] === 'error',
    );
    expectErrorFrame(notJoined, 'NOT_IN_ROOM');
    await expectWhoami(alice, 'alice');
    // The cap is per socket: another socket of the same user joins the refused room.
    const other = await connectAs(sample(), 'alice');
    await join(other, extra);
    await expectServerStillServes(sample());
    expect((await alice.exchange({ type: 'whoami' }, ofType('whoami'))).message).toMatchObject({
      user: 'alice',
    });
  }, 30_000);

  itKeepsSecretsOutOfLogs(sample);
});
