// Logout and the other Redis-backed requests while Redis is down (SIGKILL) or stalled (SIGSTOP),
// with two instances sharing it (issue 12, item 5 and "Also fix"): the logout still closes the
// session's sockets on its own instance at once and answers 503 for the part that failed, and
// no request waits on a stalled Redis beyond the sample's bounded command deadline.
import { DEMO_USERS } from 'test-support/demo-users';
import type { SampleProcess } from 'test-support/sample-process';
import { sleep } from 'test-support/wait';
import { openSocket, presentTicket } from 'test-support/ws-client';
import { describe, expect, it } from 'vitest';
import { connect, expectRefused, expectWhoami } from './support/actors.js';
import {
  issueTicket,
  login,
  loginAs,
  logout,
  rememberSession,
  request,
  requestTicket,
  type HttpResponse,
} from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useRedisCluster } from './support/lifecycle.js';

/** How long an instance gets to find Redis again (ioredis backs off up to 2 s). */
const RECOVERY_TIMEOUT_MS = 10_000;

function expectUnavailable(response: HttpResponse, what: string): void {
  expect(response.status, `${what}: ${response.text}`).toBe(503);
  expect(response.json, what).toEqual({ error: 'SERVICE_UNAVAILABLE' });
  expect(
    response.setCookies.filter((cookie) => cookie.startsWith('sid=')),
    what,
  ).toEqual([]);
}

/** Polls a login on `instance` until it succeeds (Redis reachable again) or the deadline passes. */
async function expectRecovers(instance: SampleProcess): Promise<void> {
  const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    const response = await login(instance, { username: 'bob', password: DEMO_USERS.bob.password });
    if (response.status === 200) {
      const { client } = await connect(instance, 'bob');
      await expectWhoami(client, 'bob');
      return;
    }
    last = `${response.status} ${response.text}`;
    await sleep(250);
  }
  throw new Error(`${instance.name} did not serve logins again within ${RECOVERY_TIMEOUT_MS} ms: ${last}`);
}

describe.each(SAMPLES)('%s: logout and requests while Redis is unavailable', (sampleName) => {
  const {
    redis,
    instances: [instanceA, instanceB],
  } = useRedisCluster(sampleName);

  it("closes the session's sockets on the logout's instance with 4401 within 1 s while Redis is down, and answers 503", async () => {
    const session = await loginAs(instanceA(), 'alice');
    rememberSession(instanceB(), session.sid);
    const viaQuery = await connect(instanceA(), 'alice', { session });
    const viaProtocol = await connect(instanceA(), 'alice', { session, via: 'subprotocol' });
    const bystander = await connect(instanceA(), 'alice');

    await redis().kill();
    try {
      const response = await logout(instanceA(), session.cookie);
      expectUnavailable(response, 'POST /logout');
      const closes = await Promise.all([
        viaQuery.client.waitForClose(1_000),
        viaProtocol.client.waitForClose(1_000),
      ]);
      expect(closes.map((close) => close.code)).toEqual([4401, 4401]);
      expect(bystander.client.isOpen, "the same user's other session").toBe(true);
      await expectWhoami(bystander.client, 'alice');
      expect((await request(instanceA(), 'GET', '/healthz')).status).toBe(200);
    } finally {
      if (!redis().running) await redis().restart();
    }
    await expectRecovers(instanceA());
  });

  it('answers login, ticket, upgrade and logout with 503 while Redis is stalled (SIGSTOP), closes the local sockets on logout, and serves again once Redis resumes', async () => {
    const session = await loginAs(instanceA(), 'alice');
    const open = await connect(instanceA(), 'alice', { session });
    const stockpiled = await issueTicket(instanceA(), session);

    redis().pause();
    try {
      // Each request must be answered (the helper gives up after 5 s): 503, never a hang.
      expectUnavailable(
        await login(instanceA(), { username: 'bob', password: DEMO_USERS.bob.password }),
        'POST /login',
      );
      expectUnavailable(await requestTicket(instanceA(), session.cookie), 'POST /ws-ticket');
      expectRefused(await openSocket(instanceA(), presentTicket(stockpiled)), 503, stockpiled);
      expect(open.client.isOpen, 'an open socket keeps working without Redis').toBe(true);
      await expectWhoami(open.client, 'alice');
      expectUnavailable(await logout(instanceA(), session.cookie), 'POST /logout');
      expect((await open.client.waitForClose(1_000)).code).toBe(4401);
      expect((await request(instanceB(), 'GET', '/healthz')).status).toBe(200);
    } finally {
      redis().resume();
    }
    await expectRecovers(instanceA());
    await expectRecovers(instanceB());
  }, 45_000);

  itKeepsSecretsOutOfLogs(instanceA, ' (instance A)');
  itKeepsSecretsOutOfLogs(instanceB, ' (instance B)');
});
