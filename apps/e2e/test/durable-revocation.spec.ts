// Durable revocation end to end (issue 18 item 5): instance B reaches Redis through a TCP proxy;
// the proxy cuts B off (Redis keeps running for A) while a logout happens on A, so pub/sub
// delivers nothing to B. As soon as the proxy lets B back, B replays the revocation stream and
// closes the session's sockets with 4401 — not at the next periodic session check (60 s).
import { RedisServer } from 'test-support/redis-server';
import { SampleProcess } from 'test-support/sample-process';
import { stopAndCheck } from 'test-support/log-scan';
import { TcpProxy } from 'test-support/tcp-proxy';
import { sleep } from 'test-support/wait';
import { terminateAllSockets } from 'test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, expectWhoami } from './support/actors.js';
import { loginAs, logout } from './support/http.js';
import { SAMPLES } from './support/lifecycle.js';

/** Time B gets to find Redis again and catch up (ioredis backs off up to 2 s). */
const CATCH_UP_MS = 10_000;

function busLines(instance: SampleProcess, text: string): number {
  return instance
    .events('wsgate.revocation_bus')
    .filter((line) => String(line['message'] ?? line['msg']).includes(text)).length;
}

async function waitForBusLine(instance: SampleProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (busLines(instance, text) === 0) {
    if (Date.now() > deadline)
      throw new Error(`no "${text}" in ${instance.name}'s log:\n${instance.logTail()}`);
    await sleep(20);
  }
}

describe.each(SAMPLES)('%s: a logout made while an instance was cut off from Redis', (sampleName) => {
  let redis: RedisServer | undefined;
  let proxy: TcpProxy | undefined;
  const instances: SampleProcess[] = [];
  const instance = (index: number) => () => {
    const found = instances[index];
    if (found === undefined) throw new Error('instance not running (did beforeAll fail?)');
    return found;
  };
  const [instanceA, instanceB] = [instance(0), instance(1)];

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await TcpProxy.start([redis.port]);
    instances.push(await SampleProcess.start(sampleName, { env: { REDIS_URL: redis.url } }));
    instances.push(await SampleProcess.start(sampleName, { env: { REDIS_URL: proxy.redisUrl } }));
  });
  afterAll(async () => {
    terminateAllSockets();
    try {
      await stopAndCheck(instances.splice(0));
    } finally {
      await proxy?.close();
      await redis?.stop();
    }
  });

  it("closes the session's sockets on B with 4401 as soon as B is back, from the revocation stream", async () => {
    if (proxy === undefined) throw new Error('no proxy');
    await waitForBusLine(instanceB(), 'revocation bus subscribed', 10_000);
    const ended = await loginAs(instanceA(), 'alice');
    const kept = await loginAs(instanceA(), 'alice');
    for (const session of [ended, kept]) instanceB().remember(session.sid, 'session id');
    const doomed = (await connect(instanceB(), 'alice', { session: ended })).client;
    const bystander = (await connect(instanceB(), 'alice', { session: kept })).client;

    proxy.cut();
    await waitForBusLine(instanceB(), 'revocation bus disconnected', 5_000);
    expect((await logout(instanceA(), ended.cookie)).status).toBe(204);
    await sleep(500);
    expect(doomed.isOpen, 'pub/sub could not reach B while it was cut off').toBe(true);

    proxy.restore();
    const close = await doomed.waitForClose(CATCH_UP_MS);
    expect(close).toEqual({ code: 4401, reason: 'session ended' });
    await waitForBusLine(instanceB(), 'replayed 1 revocation(s)', 5_000);
    expect(bystander.isOpen, "the user's other session").toBe(true);
    await expectWhoami(bystander, 'alice');
  }, 30_000);
});
