// Two instances of the Socket.IO sample on one real redis-server (REDIS_URL): tickets, sessions
// and revocations are shared as for `ws` (docs/demo-protocol.md, "REDIS_URL"), and
// @socket.io/redis-adapter carries chats and announcements across instances. A logout on A
// disconnects the session's sockets on B; a Redis outage fails closed (503) without a crash,
// open connections keep being served, and everything comes back by itself.
import { DEMO_USERS, type DemoUserName } from 'test-support/demo-users';
import { isRecord } from 'test-support/json';
import type { SampleProcess } from 'test-support/sample-process';
import { connectIo, engineUpgrade, expectConnected, type IoClient } from 'test-support/socket-io-client';
import { sleep } from 'test-support/wait';
import { describe, expect, it } from 'vitest';
import { expectRefused } from '../support/actors.js';
import {
  issueTicket,
  login,
  loginAs,
  logout,
  request,
  requestTicket,
  type Session,
} from '../support/http.js';
import { uniqueMarker, uniqueRoom } from '../support/messages.js';
import {
  disconnectIoClientsAfterEach,
  expectIoWhoami,
  itKeepsSecretsOutOfLogs,
  SOCKET_IO_SAMPLE,
  useRedisCluster,
} from './support.js';

/** The one allowed Origin of both instances: the app's public origin, as behind a load balancer. */
const APP_ORIGIN = 'http://app.test';
/** How long the instances get to find the restarted Redis again (ioredis backs off up to 2 s). */
const RECOVERY_TIMEOUT_MS = 10_000;

const hasText = (text: string) => (payload: unknown) => (payload as { text?: unknown }).text === text;

describe(`${SOCKET_IO_SAMPLE}: two instances sharing one Redis (REDIS_URL)`, () => {
  const {
    redis,
    instances: [instanceA, instanceB],
  } = useRedisCluster(SOCKET_IO_SAMPLE, { env: { ALLOWED_ORIGINS: APP_ORIGIN } });
  disconnectIoClientsAfterEach();
  const both = (): readonly SampleProcess[] => [instanceA(), instanceB()];

  function rememberEverywhere(value: string, kind: 'ticket' | 'session id'): void {
    for (const instance of both()) instance.remember(value, kind);
  }

  async function loginOn(instance: SampleProcess, user: DemoUserName): Promise<Session> {
    const session = await loginAs(instance, user);
    rememberEverywhere(session.sid, 'session id');
    return session;
  }

  async function ticketFrom(instance: SampleProcess, session: Session): Promise<string> {
    const ticket = await issueTicket(instance, session, { origin: APP_ORIGIN });
    rememberEverywhere(ticket, 'ticket');
    return ticket;
  }

  /** Connects on `redeemer` with a ticket `issuer` gave `session`; waits for the welcome. */
  async function connectAcross(
    issuer: SampleProcess,
    redeemer: SampleProcess,
    session: Session,
  ): Promise<IoClient> {
    const ticket = await ticketFrom(issuer, session);
    const client = expectConnected(await connectIo(redeemer, { ticket, origin: APP_ORIGIN }));
    const user = DEMO_USERS[session.user];
    expect(await client.next('welcome')).toEqual({ user: user.id, roles: [...user.roles] });
    return client;
  }

  async function expectHealthy(instance: SampleProcess): Promise<void> {
    expect((await request(instance, 'GET', '/healthz')).status).toBe(200);
    expect(instance.exit, `${instance.name} on port ${instance.port} exited`).toBeUndefined();
  }

  it('a login and a ticket from A connect on B; the ticket is then spent on both', async () => {
    const alice = await loginOn(instanceA(), 'alice');
    const ticket = await ticketFrom(instanceA(), alice);
    const client = expectConnected(await connectIo(instanceB(), { ticket, origin: APP_ORIGIN }));
    await expectIoWhoami(client, 'alice');
    for (const instance of both())
      expectRefused(await engineUpgrade(instance, `ticket=${ticket}`, { origin: APP_ORIGIN }), 401, ticket);
  });

  it('gives one ticket exactly one session over 20 concurrent handshakes split across A and B', async () => {
    const session = await loginOn(instanceB(), 'bob');
    const ticket = await ticketFrom(instanceB(), session);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        engineUpgrade(index % 2 === 0 ? instanceA() : instanceB(), `ticket=${ticket}`, {
          origin: APP_ORIGIN,
        }),
      ),
    );
    expect(results.filter((result) => result.kind === 'opened')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'refused' && result.status === 401)).toHaveLength(19);
    for (const instance of both()) await expectHealthy(instance);
  });

  it('carries a chat and an announcement from A to the sockets on B (the Redis adapter)', async () => {
    const aliceOnA = await connectAcross(instanceA(), instanceA(), await loginOn(instanceA(), 'alice'));
    const bobOnB = await connectAcross(instanceB(), instanceB(), await loginOn(instanceB(), 'bob'));
    const room = uniqueRoom();
    expect(await aliceOnA.ack('join', { room })).toEqual({ ok: true, room });
    expect(await bobOnB.ack('join', { room })).toEqual({ ok: true, room });
    const text = uniqueMarker('across ');
    expect(await aliceOnA.ack('chat', { room, text })).toEqual({ ok: true });
    for (const client of [aliceOnA, bobOnB])
      expect(await client.next('chat', hasText(text))).toMatchObject({ room, from: 'alice', text });
    const reply = uniqueMarker('back ');
    expect(await bobOnB.ack('chat', { room, text: reply })).toEqual({ ok: true });
    expect(await aliceOnA.next('chat', hasText(reply))).toMatchObject({ from: 'bob' });
    const news = uniqueMarker('news ');
    expect(await aliceOnA.ack('announce', { text: news })).toEqual({ ok: true });
    expect(await bobOnB.next('announce', hasText(news))).toEqual({ from: 'alice', text: news });
  });

  it("disconnects the session's sockets on A and on B within 1 s of a logout on A; its other session stays", async () => {
    const ended = await loginOn(instanceA(), 'alice');
    const kept = await loginOn(instanceB(), 'alice');
    const endedSockets = [
      await connectAcross(instanceA(), instanceA(), ended),
      await connectAcross(instanceA(), instanceB(), ended),
    ];
    const keptSocket = await connectAcross(instanceB(), instanceB(), kept);
    const stockpiled = await ticketFrom(instanceB(), ended);
    expect((await logout(instanceA(), ended.cookie)).status).toBe(204);
    const reasons = await Promise.all(endedSockets.map((client) => client.waitForDisconnect(1_000)));
    expect(reasons).toEqual(['io server disconnect', 'io server disconnect']);
    for (const client of endedSockets)
      expect(client.received('exception')).toEqual([{ code: 'UNAUTHENTICATED', message: 'session ended' }]);
    await expectIoWhoami(keptSocket, 'alice');
    expectRefused(
      await engineUpgrade(instanceB(), `ticket=${stockpiled}`, { origin: APP_ORIGIN }),
      401,
      stockpiled,
    );
  });

  it('fails closed while Redis is down (503, no crash, open connections served) and recovers by itself', async () => {
    const alice = await loginOn(instanceA(), 'alice');
    const onA = await connectAcross(instanceA(), instanceA(), alice);
    const onB = await connectAcross(instanceA(), instanceB(), alice);
    const stockpiled = await ticketFrom(instanceB(), alice);

    await redis().kill();
    try {
      for (const instance of both()) {
        const ticket = await requestTicket(instance, alice.cookie, { origin: APP_ORIGIN });
        expect(ticket.status, ticket.text).toBe(503);
        expect(ticket.json).toEqual({ error: 'SERVICE_UNAVAILABLE' });
        const handshake = await engineUpgrade(instance, `ticket=${stockpiled}`, { origin: APP_ORIGIN });
        expectRefused(handshake, 503, stockpiled);
        if (handshake.kind === 'refused') expect(handshake.body).not.toMatch(/sid/);
      }
      const refusedLogin = await login(instanceB(), { username: 'bob', password: DEMO_USERS.bob.password });
      expect(refusedLogin.status).toBe(503);
      expect(refusedLogin.setCookies.filter((cookie) => cookie.startsWith('sid='))).toEqual([]);
      // Open connections keep being served; a chat still reaches this instance's own sockets.
      await expectIoWhoami(onA, 'alice');
      await expectIoWhoami(onB, 'alice');
      const room = uniqueRoom();
      await onA.ack('join', { room });
      const text = uniqueMarker('offline ');
      expect(await onA.ack('chat', { room, text })).toEqual({ ok: true });
      expect(await onA.next('chat', hasText(text))).toMatchObject({ from: 'alice' });
      for (const instance of both()) await expectHealthy(instance);
    } finally {
      if (!redis().running) await redis().restart();
    }

    // Back by itself (Redis restarted empty: sessions and tickets from before are gone).
    const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
    let recovered = false;
    let lastProblem = 'no attempt';
    while (!recovered && Date.now() < deadline) {
      const response = await login(instanceA(), { username: 'bob', password: DEMO_USERS.bob.password });
      if (response.status === 200) {
        const bob = await loginOn(instanceA(), 'bob');
        const ticket = await requestTicket(instanceA(), bob.cookie, { origin: APP_ORIGIN });
        const value = isRecord(ticket.json) ? ticket.json['ticket'] : undefined;
        if (ticket.status === 200 && typeof value === 'string') {
          rememberEverywhere(value, 'ticket');
          const result = await connectIo(instanceB(), { ticket: value, origin: APP_ORIGIN });
          recovered = result.kind === 'connected';
          if (!recovered) lastProblem = JSON.stringify(result);
        } else lastProblem = `ticket ${ticket.status}`;
      } else lastProblem = `login ${response.status}`;
      if (!recovered) await sleep(250);
    }
    expect(recovered, `not serving again within ${RECOVERY_TIMEOUT_MS} ms: ${lastProblem}`).toBe(true);

    // Chats cross instances again once the Redis adapter is back (bounded retries: its
    // subscription comes back with the connection).
    const deadlineChat = Date.now() + RECOVERY_TIMEOUT_MS;
    let crossed = false;
    const aliceOnA = await connectAcross(instanceA(), instanceA(), await loginOn(instanceA(), 'alice'));
    const bobOnB = await connectAcross(instanceB(), instanceB(), await loginOn(instanceB(), 'bob'));
    const room = uniqueRoom();
    await aliceOnA.ack('join', { room });
    await bobOnB.ack('join', { room });
    while (!crossed && Date.now() < deadlineChat) {
      const text = uniqueMarker('again ');
      await aliceOnA.ack('chat', { room, text });
      crossed = await bobOnB.next('chat', hasText(text), 1_000).then(
        () => true,
        () => false,
      );
    }
    expect(crossed, 'a chat from A reached B after the outage').toBe(true);
    for (const instance of both()) await expectHealthy(instance);
  }, 45_000);

  itKeepsSecretsOutOfLogs(instanceA, ' (instance A)');
  itKeepsSecretsOutOfLogs(instanceB, ' (instance B)');
});
