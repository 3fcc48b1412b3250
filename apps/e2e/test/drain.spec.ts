// Graceful drain behind a load balancer (issue 18 item 2): two instances of a sample on one
// redis-server behind a TCP front proxy, @wsgate/client sockets on both; SIGTERM one. Its sockets
// are closed with 1012, every client reconnects (with a ticket it was just issued) to the other
// instance, nothing it sends afterwards is lost, and the process exits 0 within its bound (the
// drain settings below, far inside the 5 s after which the test support would SIGKILL it).
import { TcpProxy } from 'test-support/tcp-proxy';
import { waitFor } from 'test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedClient, frontOf, type RecordedClient } from './support/front.js';
import { loginAs, request } from './support/http.js';
import { SAMPLES, useRedisCluster } from './support/lifecycle.js';
import { uniqueRoom } from './support/messages.js';

const DRAIN = { WS_DRAIN_DELAY_MS: '300', WS_DRAIN_TIMEOUT_MS: '2000' };
const CLIENTS_PER_INSTANCE = 3;
const MESSAGES_AFTER = 5;

/** Chat texts `client` received back in `room`. */
function chatsIn(client: RecordedClient, room: string): string[] {
  return client.frames
    .filter((frame) => frame.type === 'chat' && frame['room'] === room)
    .map((frame) => String(frame['text']));
}

/** Joins `room` on the client's current socket and sends `texts` there; waits for every echo. */
async function chatThrough(client: RecordedClient, room: string, texts: readonly string[]): Promise<void> {
  const joinedBefore = client.frames.filter((frame) => frame.type === 'joined').length;
  client.client.send({ type: 'join', room });
  expect(
    await waitFor(
      () => client.frames.filter((frame) => frame.type === 'joined').length > joinedBefore,
      5_000,
    ),
    'joined',
  ).toBe(true);
  for (const text of texts) client.client.send({ type: 'chat', room, text });
  const echoed = await waitFor(() => texts.every((text) => chatsIn(client, room).includes(text)), 5_000);
  expect(echoed, `echoes in ${room}: ${JSON.stringify(chatsIn(client, room))}`).toBe(true);
}

describe.each(SAMPLES)('%s: graceful drain behind a load balancer', (sampleName) => {
  const {
    instances: [instanceA, instanceB],
  } = useRedisCluster(sampleName, { env: DRAIN });
  let proxy: TcpProxy | undefined;
  const clients: RecordedClient[] = [];
  beforeAll(async () => {
    proxy = await TcpProxy.start([instanceA().port, instanceB().port]);
  });
  afterAll(async () => {
    for (const { client } of clients) client.close();
    await proxy?.close();
  });

  it('SIGTERM on A: 1012 to its sockets, every client on B with a fresh ticket, nothing lost, exit 0', async () => {
    if (proxy === undefined) throw new Error('no proxy');
    const front = frontOf(proxy, () => [instanceA(), instanceB()]);
    const sessions = [await loginAs(front, 'alice'), await loginAs(front, 'bob')];
    const onA: RecordedClient[] = [];
    const onB: RecordedClient[] = [];
    for (const [instance, group] of [
      [instanceA(), onA],
      [instanceB(), onB],
    ] as const) {
      proxy.pin(instance.port);
      for (let index = 0; index < CLIENTS_PER_INSTANCE; index += 1) {
        const recorded = recordedClient(front, sessions[index % 2]!);
        clients.push(recorded);
        group.push(recorded);
        expect(await waitFor(() => recorded.welcomes() === 1, 10_000), 'welcome').toBe(true);
      }
    }
    proxy.pin(undefined);
    expect(instanceA().events('wsgate.upgrade_accepted')).toHaveLength(CLIENTS_PER_INSTANCE);
    const rooms = clients.map(() => uniqueRoom());
    for (const [index, client] of clients.entries())
      await chatThrough(client, rooms[index]!, [`before-${index}`]);

    await instanceA().stop(); // SIGTERM; SIGKILL only after 5 s
    expect(instanceA().exit, instanceA().logTail()).toEqual({ code: 0, signal: null });
    const drained = instanceA()
      .events('wsgate.close')
      .map((event) => event['code']);
    expect(drained).toEqual(Array.from({ length: CLIENTS_PER_INSTANCE }, () => 1012));

    // Every client of A reconnects (to B: A is gone) and then loses nothing it sends.
    const back = await waitFor(
      () => onA.every((client) => client.welcomes() === 2 && client.client.state === 'open'),
      20_000,
    );
    expect(back, JSON.stringify(onA.map((client) => [client.closes, client.client.state]))).toBe(true);
    for (const [index, client] of clients.entries()) {
      const texts = Array.from({ length: MESSAGES_AFTER }, (_, n) => `after-${index}-${n}`);
      await chatThrough(client, rooms[index]!, texts);
    }
    for (const client of onA) {
      expect(client.closes[0], 'the first close of a client of A').toBe(1012);
      expect(client.client.state).toBe('open');
    }
    for (const client of onB) {
      expect(client.closes, 'a client of B was never closed').toEqual([]);
      expect(client.welcomes()).toBe(1);
    }
    // A fresh ticket every time: never presented twice, each one issued to this client.
    for (const client of clients) {
      expect(new Set(client.presented).size, 'a ticket presented twice').toBe(client.presented.length);
      for (const ticket of client.presented) expect(client.issued).toContain(ticket);
    }
    expect(instanceB().events('wsgate.upgrade_accepted').length).toBe(2 * CLIENTS_PER_INSTANCE);
    expect((await request(front, 'GET', '/healthz')).status).toBe(200);
  }, 60_000);
});
