// GET /metrics (issue 18 item 1): a scripted scenario with known outcomes against each sample
// process, then the Prometheus text must show exactly those counts — upgrades accepted and
// refused per code and reason, tickets, refused ticket requests, refused messages per code,
// closes per code, revocations, open connections, store operations.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, expectRefused } from './support/actors.js';
import { issueTicket, loginAs, logout, request, requestTicket } from './support/http.js';
import { SAMPLES, useSample } from './support/lifecycle.js';
import { errorWithCode } from './support/messages.js';
import { scrapeWhen, type Metrics } from './support/prometheus.js';
import { expectOpened, openSocket, presentTicket } from 'test-support/ws-client';

const ADAPTERS: Readonly<Record<string, string>> = { 'fastify-sample': 'fastify', 'nestjs-sample': 'nestjs' };

describe.each(SAMPLES)('%s: metrics on GET /metrics', (sampleName) => {
  const sample = useSample(sampleName);

  it('shows exactly the counts of a scripted scenario', async () => {
    const server = sample();
    const alice = await loginAs(server, 'alice');
    const bob = await loginAs(server, 'bob');

    // 4 upgrades accepted (4 tickets issued and redeemed).
    const onQuery = await connect(server, 'alice', { session: alice });
    const onProtocol = await connect(server, 'alice', { session: alice, via: 'subprotocol' });
    const bobs = await connect(server, 'bob', { session: bob });
    const replayed = await issueTicket(server, alice);
    const closing = expectOpened(await openSocket(server, presentTicket(replayed)));
    // 7 upgrades refused: replay 1 + unknown 2 (unknown 3), missing 2, malformed 1, foreign Origin 1.
    expectRefused(await openSocket(server, presentTicket(replayed)), 401, replayed);
    for (let index = 0; index < 2; index += 1) {
      const unknown = randomBytes(32).toString('base64url');
      expectRefused(await openSocket(server, presentTicket(unknown)), 401, unknown);
      expectRefused(await openSocket(server), 401);
    }
    expectRefused(await openSocket(server, { query: 'ticket=not-a-ticket' }), 401);
    const unused = await issueTicket(server, alice); // 5th ticket issued, never redeemed
    expectRefused(await openSocket(server, { ...presentTicket(unused), origin: 'http://evil.example' }), 403);
    // 2 ticket requests refused (no session).
    for (let index = 0; index < 2; index += 1)
      expect((await requestTicket(server, undefined)).status).toBe(401);
    // 5 messages refused on one socket (2 BAD_JSON, 3 VALIDATION_FAILED), the socket stays open.
    for (let index = 0; index < 2; index += 1) await onQuery.client.exchange('{', errorWithCode('BAD_JSON'));
    for (let index = 0; index < 3; index += 1)
      await onQuery.client.exchange({ type: 'nope' }, errorWithCode('VALIDATION_FAILED'));
    // 1 message refused by the announce's role check (bob is a member): the same count whether
    // the adapter's router or a framework guard (NestJS's WsAuthGuard) refuses it.
    await bobs.client.exchange({ type: 'announce', text: 'hi' }, errorWithCode('FORBIDDEN'));
    // Closes: a binary frame (1003, also a refused message), a client's 1000, a logout's 4401.
    onProtocol.client.sendBinary(Buffer.from([1, 2, 3]));
    expect((await onProtocol.client.waitForClose()).code).toBe(1003);
    closing.close();
    expect((await closing.waitForClose()).code).toBe(1000);
    expect((await logout(server, bob.cookie)).status).toBe(204);
    expect((await bobs.client.waitForClose()).code).toBe(4401);

    const adapter = { wsgate_adapter: ADAPTERS[sampleName] ?? sampleName };
    const metrics = await scrapeWhen(
      server,
      (scraped) =>
        scraped.value('wsgate_connections_open', adapter) === 1 &&
        Object.keys(scraped.all('wsgate_connections_closed_total')).length === 3,
    );
    const expectations: [string, Record<string, number>][] = [
      ['wsgate_upgrades_accepted_total', { '': 4 }],
      [
        'wsgate_upgrades_refused_total',
        {
          'wsgate_refusal_code=TICKET_INVALID,wsgate_refusal_reason=unknown': 3,
          'wsgate_refusal_code=TICKET_MISSING,wsgate_refusal_reason=missing': 2,
          'wsgate_refusal_code=TICKET_INVALID,wsgate_refusal_reason=malformed': 1,
          'wsgate_refusal_code=ORIGIN_NOT_ALLOWED,wsgate_refusal_reason=origin_not_allowed': 1,
        },
      ],
      ['wsgate_tickets_issued_total', { '': 5 }],
      ['wsgate_tickets_redeemed_total', { '': 4 }],
      [
        'wsgate_tickets_refused_total',
        { 'wsgate_refusal_reason=unknown': 3, 'wsgate_refusal_reason=malformed': 1 },
      ],
      [
        'wsgate_ticket_requests_refused_total',
        { 'http_response_status_code=401,wsgate_refusal_code=UNAUTHENTICATED': 2 },
      ],
      [
        'wsgate_messages_refused_total',
        {
          'wsgate_refusal_code=BAD_JSON': 2,
          'wsgate_refusal_code=VALIDATION_FAILED': 3,
          'wsgate_refusal_code=FORBIDDEN': 1,
          'wsgate_refusal_code=1003': 1,
        },
      ],
      [
        'wsgate_connections_closed_total',
        { 'wsgate_close_code=1000': 1, 'wsgate_close_code=1003': 1, 'wsgate_close_code=4401': 1 },
      ],
      ['wsgate_revocations_total', { 'wsgate_revocation_kind=session': 1 }],
      ['wsgate_connections_open', { [`wsgate_adapter=${adapter.wsgate_adapter}`]: 1 }],
      [
        'wsgate_ticket_store_operation_duration_count',
        {
          'wsgate_ticket_store_name=memory,wsgate_ticket_store_operation=put': 5,
          'wsgate_ticket_store_name=memory,wsgate_ticket_store_operation=take': 7,
        },
      ],
    ];
    for (const [name, expected] of expectations) expect(metrics.all(name), name).toEqual(expected);
    // The open socket still works.
    await onQuery.client.exchange({ type: 'whoami' }, (message) => message['type'] === 'whoami');
    expectHistogramConsistent(metrics);
  });
});

/** Each store histogram's buckets are cumulative and end at its count. */
function expectHistogramConsistent(metrics: Metrics): void {
  for (const operation of ['put', 'take']) {
    const labels = { wsgate_ticket_store_name: 'memory', wsgate_ticket_store_operation: operation };
    const count = metrics.value('wsgate_ticket_store_operation_duration_count', labels);
    expect(metrics.value('wsgate_ticket_store_operation_duration_bucket', { ...labels, le: '+Inf' })).toBe(
      count,
    );
  }
}

describe.each(SAMPLES)('%s: METRICS=off', (sampleName) => {
  const sample = useSample(sampleName, { env: { METRICS: 'off' } });

  it('answers GET /metrics with 404 NOT_FOUND and serves everything else', async () => {
    const response = await request(sample(), 'GET', '/metrics');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'NOT_FOUND' });
    const { client } = await connect(sample(), 'bob');
    await client.exchange({ type: 'whoami' }, (message) => message['type'] === 'whoami');
  });
});
