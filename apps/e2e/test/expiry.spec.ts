// Ticket expiry, against a sample started with TICKET_TTL_MS=300 (its own process).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { expectRefused, expectServerStillServes, expectWhoami } from './support/actors.js';
import { issueTicket, loginAs, requestTicket } from './support/http.js';
import { isRecord } from 'test-support/json';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import { ofType } from './support/messages.js';
import { expectOpened, openSocket, presentTicket } from 'test-support/ws-client';

const TTL_MS = 300;

describe.each(SAMPLES)('%s: ticket expiry (TICKET_TTL_MS=300)', (sampleName) => {
  const sample = useSample(sampleName, { env: { TICKET_TTL_MS: String(TTL_MS) } });

  it('reports expiresAt = issue time + TICKET_TTL_MS', async () => {
    const session = await loginAs(sample(), 'alice');
    const before = Date.now();
    const response = await requestTicket(sample(), session.cookie);
    const after = Date.now();
    expect(response.status).toBe(200);
    const expiresAt = isRecord(response.json) ? response.json['expiresAt'] : undefined;
    expect(expiresAt).toBeGreaterThanOrEqual(before + TTL_MS - 250);
    expect(expiresAt).toBeLessThanOrEqual(after + TTL_MS + 250);
  });

  it('accepts a ticket within its TTL, and the socket outlives the ticket', async () => {
    const session = await loginAs(sample(), 'alice');
    const ticket = await issueTicket(sample(), session);
    const client = expectOpened(await openSocket(sample(), presentTicket(ticket)));
    await client.next(ofType('welcome'));
    await sleep(2 * TTL_MS);
    expect(client.isOpen).toBe(true);
    await expectWhoami(client, 'alice');
  });

  it('refuses a ticket presented after its TTL with 401 (query and subprotocol)', async () => {
    const session = await loginAs(sample(), 'bob');
    const viaQuery = await issueTicket(sample(), session);
    const viaProtocol = await issueTicket(sample(), session);
    await sleep(2 * TTL_MS);
    expectRefused(await openSocket(sample(), presentTicket(viaQuery, 'query')), 401, viaQuery);
    expectRefused(await openSocket(sample(), presentTicket(viaProtocol, 'subprotocol')), 401, viaProtocol);
    await expectServerStillServes(sample());
  });

  itKeepsSecretsOutOfLogs(sample);
});
