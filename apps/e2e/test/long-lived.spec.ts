// Long-lived connections (issue 18 item 3): a socket older than WS_MAX_LIFETIME_MS is closed with
// 4000 (re-authenticate), and a fresh ticket opens a new one; the periodic session check applies
// a session's current roles to its open sockets, so a removed role stops working within one
// re-check (the roles are changed in Redis behind the sample's back: a test-only write).
import { describe, expect, it } from 'vitest';
import { connect, expectWhoami } from './support/actors.js';
import { loginAs } from './support/http.js';
import { SAMPLES, useRedisCluster, useSample } from './support/lifecycle.js';
import { announceWithText, errorWithCode, uniqueMarker } from './support/messages.js';
import type { WsClient } from 'test-support/ws-client';
import { sleep } from 'test-support/wait';

const LIFETIME_MS = 1_500;
const SESSION_CHECK_MS = 500;

describe.each(SAMPLES)('%s: WS_MAX_LIFETIME_MS', (sampleName) => {
  const sample = useSample(sampleName, { env: { WS_MAX_LIFETIME_MS: String(LIFETIME_MS) } });

  it('closes a socket with 4000 once its lifetime is reached; a fresh ticket opens the next one', async () => {
    const { client, session } = await connect(sample(), 'alice');
    await expectWhoami(client, 'alice');
    const close = await client.waitForClose(LIFETIME_MS + 10_000);
    expect(close).toEqual({ code: 4000, reason: 'connection lifetime reached' });
    const next = await connect(sample(), 'alice', { session });
    await expectWhoami(next.client, 'alice');
    next.client.close();
  });
});

/** Sends `announce` until it is refused with FORBIDDEN, within `timeoutMs`; returns whether it was. */
async function forbiddenWithin(client: WsClient, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = uniqueMarker('announce-');
    const reply = await client.exchange(
      { type: 'announce', text },
      (message) => announceWithText(text)(message) || errorWithCode('FORBIDDEN')(message),
    );
    if (reply.message?.['type'] === 'error') return true;
    await sleep(100);
  }
  return false;
}

describe.each(SAMPLES)('%s: claims follow the session on open sockets', (sampleName) => {
  const {
    redis,
    instances: [instanceA, instanceB],
  } = useRedisCluster(sampleName, { env: { WS_SESSION_CHECK_INTERVAL_MS: String(SESSION_CHECK_MS) } });

  it("stops a removed role on the session's open sockets, on every instance, within one re-check", async () => {
    const session = await loginAs(instanceA(), 'alice');
    instanceB().remember(session.sid, 'session id');
    const onA = (await connect(instanceA(), 'alice', { session })).client;
    const onB = (await connect(instanceB(), 'alice', { session, via: 'subprotocol' })).client;
    const text = uniqueMarker('announce-');
    await onA.exchange({ type: 'announce', text }, announceWithText(text));

    // An administrator takes alice's admin role away: the session record now says roles [].
    const ids = (await redis().cli('ZRANGE', 'demo:user-sessions:alice', '0', '-1')).split('\n');
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const key = `demo:session:${id}`;
      const record = JSON.parse(await redis().cli('GET', key)) as { user: { roles: string[] } };
      record.user.roles = [];
      expect(await redis().cli('SET', key, JSON.stringify(record), 'KEEPTTL')).toBe('OK');
    }

    for (const client of [onA, onB]) {
      expect(await forbiddenWithin(client, 4 * SESSION_CHECK_MS + 3_000), 'announce refused').toBe(true);
      const whoami = await client.exchange({ type: 'whoami' }, (message) => message['type'] === 'whoami');
      expect(whoami.message).toEqual({ type: 'whoami', user: 'alice', roles: [] });
      expect(client.isOpen, 'the socket stays open').toBe(true);
    }
  });
});
