// Cluster-wide limits (issue 18 item 4): with REDIS_URL, the connection caps per user and per
// address and the handshake brute-force limit are counted once for all instances — two instances
// on one redis-server give a user the caps once, not twice — and the slots of an instance killed
// with SIGKILL (no close, no release) come back by themselves (REDIS_INSTANCE_TTL_MS).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, expectRefused, expectWhoami } from './support/actors.js';
import { issueTicket, loginAs, type Session } from './support/http.js';
import { SAMPLES, useRedisCluster } from './support/lifecycle.js';
import { ofType } from './support/messages.js';
import type { SampleProcess } from 'test-support/sample-process';
import { sleep } from 'test-support/wait';
import {
  expectOpened,
  openSocket,
  presentTicket,
  type OpenResult,
  type WsClient,
} from 'test-support/ws-client';

const PER_SUBJECT = 4;
const PER_ADDRESS = 6;
/** The core default: refused presentations per address and minute. */
const MAX_REFUSALS = 100;
const INSTANCE_TTL_MS = 2_000;

describe.each(SAMPLES)('%s: limits shared by two instances through Redis', (sampleName) => {
  const {
    instances: [instanceA, instanceB],
  } = useRedisCluster(sampleName, {
    env: {
      WS_MAX_PER_SUBJECT: String(PER_SUBJECT),
      WS_MAX_PER_ADDRESS: String(PER_ADDRESS),
      REDIS_INSTANCE_TTL_MS: String(INSTANCE_TTL_MS),
    },
  });

  /** Presents a fresh ticket of `session` to `instance`, both from `localAddress`. */
  async function open(
    instance: SampleProcess,
    session: Session,
    localAddress = '127.0.0.1',
  ): Promise<OpenResult> {
    const ticket = await issueTicket(instance, session, { localAddress });
    for (const other of [instanceA(), instanceB()]) other.remember(ticket, 'ticket');
    return openSocket(instance, { ...presentTicket(ticket), localAddress });
  }

  async function opened(instance: SampleProcess, session: Session, localAddress?: string): Promise<WsClient> {
    const client = expectOpened(await open(instance, session, localAddress));
    await client.next(ofType('welcome'));
    return client;
  }

  /** Polls until `session` may open a socket on `instance` again (a slot was given back), within `timeoutMs`. */
  async function openedWithin(
    instance: SampleProcess,
    session: Session,
    timeoutMs: number,
  ): Promise<WsClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await open(instance, session);
      if (result.kind === 'opened') {
        await result.client.next(ofType('welcome'));
        return result.client;
      }
      expectRefused(result, 429);
      if (Date.now() > deadline) throw new Error(`still refused after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** The reason `instance` logged for the refusal `refuse` makes it answer (its log may lag the answer). */
  async function refusalReason(instance: SampleProcess, refuse: () => Promise<void>): Promise<unknown> {
    const before = instance.events('wsgate.upgrade_refused').length;
    await refuse();
    return (await instance.waitForEvents('wsgate.upgrade_refused', before + 1))[before]?.['reason'];
  }

  it('caps the sockets of one user across both instances, and frees a slot on either', async () => {
    const alice = await loginAs(instanceA(), 'alice');
    const sockets = [
      await opened(instanceA(), alice),
      await opened(instanceB(), alice),
      await opened(instanceA(), alice),
      await opened(instanceB(), alice),
    ];
    for (const instance of [instanceA(), instanceB()]) {
      const reason = refusalReason(instance, async () => expectRefused(await open(instance, alice), 429));
      expect(await reason).toBe('subject_connection_limit');
    }
    // Another user is not affected; every socket of alice is still served.
    const bob = await loginAs(instanceB(), 'bob');
    await expectWhoami(await opened(instanceA(), bob), 'bob');
    for (const socket of sockets) await expectWhoami(socket, 'alice');
    // A socket closed on A frees a slot on B.
    sockets[0]?.close();
    await expectWhoami(await openedWithin(instanceB(), alice, 5_000), 'alice');
  });

  it('caps the sockets of one address across both instances, whoever holds them', async () => {
    const address = '127.0.0.3';
    const alice = await loginAs(instanceA(), 'alice');
    const bob = await loginAs(instanceB(), 'bob');
    for (let index = 0; index < PER_ADDRESS; index += 1)
      await opened(index % 2 === 0 ? instanceA() : instanceB(), index < 3 ? alice : bob, address);
    for (const instance of [instanceA(), instanceB()]) {
      const reason = refusalReason(instance, async () =>
        expectRefused(await open(instance, bob, address), 429),
      );
      expect(await reason).toBe('address_connection_limit');
    }
    await expectWhoami(await opened(instanceB(), bob), 'bob'); // another address
  });

  it('counts refused presentations of one address on both instances: past the limit, both answer 429', async () => {
    const address = '127.0.0.5';
    const refusedBefore = [instanceA(), instanceB()].map(
      (instance) => instance.events('wsgate.upgrade_refused').length,
    );
    for (let index = 0; index < MAX_REFUSALS; index += 1) {
      const unknown = randomBytes(32).toString('base64url');
      const instance = index % 2 === 0 ? instanceA() : instanceB();
      expectRefused(
        await openSocket(instance, { ...presentTicket(unknown), localAddress: address }),
        401,
        unknown,
      );
    }
    // Every refusal above is in each instance's log before the next one is looked for there
    // (a line still on its way would otherwise be read as the refusal past the limit).
    await instanceA().waitForEvents(
      'wsgate.upgrade_refused',
      refusedBefore[0]! + Math.ceil(MAX_REFUSALS / 2),
    );
    await instanceB().waitForEvents(
      'wsgate.upgrade_refused',
      refusedBefore[1]! + Math.floor(MAX_REFUSALS / 2),
    );
    for (const instance of [instanceA(), instanceB()]) {
      const unknown = randomBytes(32).toString('base64url');
      const present = () => openSocket(instance, { ...presentTicket(unknown), localAddress: address });
      const reason = refusalReason(instance, async () => expectRefused(await present(), 429, unknown));
      expect(await reason).toBe('address_blocked');
    }
    // Other addresses are served.
    const { client } = await connect(instanceA(), 'bob');
    await expectWhoami(client, 'bob');
  });

  it('gives the slots of an instance killed with SIGKILL back within REDIS_INSTANCE_TTL_MS', async () => {
    const alice = await loginAs(instanceA(), 'alice');
    // (The sockets of the earlier tests are gone; their slots may take a moment to be given back.)
    const onA = [await openedWithin(instanceA(), alice, 5_000)];
    while (onA.length < PER_SUBJECT) onA.push(await opened(instanceA(), alice));
    expectRefused(await open(instanceB(), alice), 429);

    await instanceA().kill(); // no close frame, no release: only the expiry gives the slots back
    for (const socket of onA) await socket.waitForClose(5_000);
    const first = await openedWithin(instanceB(), alice, INSTANCE_TTL_MS + 8_000);
    const onB = [first];
    while (onB.length < PER_SUBJECT) onB.push(await opened(instanceB(), alice));
    expectRefused(await open(instanceB(), alice), 429);
    for (const socket of onB) await expectWhoami(socket, 'alice');
  }, 30_000);
});
