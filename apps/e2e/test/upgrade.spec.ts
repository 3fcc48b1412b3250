// The /ws upgrade: ticket transport, single use, bindings (IP, Origin) and refusals, which all
// happen before the upgrade as plain HTTP responses.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectRefused, expectServerStillServes, expectWhoami } from './support/actors.js';
import { issueTicket, loginAs } from './support/http.js';
import { itKeepsSecretsOutOfLogs, SAMPLES, useSample } from './support/lifecycle.js';
import { ofType } from './support/messages.js';
import { foreignOrigins } from './support/origins.js';
import type { SampleProcess } from 'test-support/sample-process';
import type { DemoUserName } from 'test-support/demo-users';
import { expectOpened, openSocket, presentTicket, refusalStatus } from 'test-support/ws-client';

/** A well-formed (43-char base64url) ticket the server never issued. */
function unknownTicket(): string {
  return randomBytes(32).toString('base64url');
}

describe.each(SAMPLES)('%s: WebSocket upgrade', (sampleName) => {
  const sample = useSample(sampleName);

  async function freshTicket(user: DemoUserName = 'alice', origin?: string): Promise<string> {
    const target: SampleProcess = sample();
    const session = await loginAs(target, user);
    return issueTicket(target, session, origin === undefined ? {} : { origin });
  }

  describe('accepted', () => {
    it('opens with the ticket in ?ticket= and sends the welcome', async () => {
      const ticket = await freshTicket('alice');
      const client = expectOpened(await openSocket(sample(), presentTicket(ticket, 'query')));
      expect((await client.next(ofType('welcome'))).message).toEqual({
        type: 'welcome',
        user: 'alice',
        roles: ['admin'],
      });
      expect(client.protocol).toBe('');
    });

    it('opens with the ticket in the subprotocol (wsgate + wsgate.ticket.<t>) and selects "wsgate"', async () => {
      const ticket = await freshTicket('bob');
      const client = expectOpened(await openSocket(sample(), presentTicket(ticket, 'subprotocol')));
      expect(client.protocol).toBe('wsgate');
      expect((await client.next(ofType('welcome'))).message).toEqual({
        type: 'welcome',
        user: 'bob',
        roles: ['member'],
      });
    });

    it('allows an upgrade without an Origin header (non-browser client)', async () => {
      const ticket = await freshTicket('alice');
      const client = expectOpened(await openSocket(sample(), { ...presentTicket(ticket) }));
      await client.next(ofType('welcome'));
      await expectWhoami(client, 'alice');
    });

    it('accepts a ticket requested without Origin (unbound) from an allowed Origin', async () => {
      const ticket = await freshTicket('alice');
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().altOrigin }),
      );
      await client.next(ofType('welcome'));
    });

    it('accepts a ticket bound to an Origin when presented from that same Origin', async () => {
      const ticket = await freshTicket('alice', sample().origin);
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket, 'subprotocol'), origin: sample().origin }),
      );
      await client.next(ofType('welcome'));
    });
  });

  describe('refused with 401 before the upgrade', () => {
    it('401 without a ticket (no query, unrelated query, only the "wsgate" subprotocol)', async () => {
      expectRefused(await openSocket(sample()), 401);
      expectRefused(await openSocket(sample(), { query: 'foo=bar' }), 401);
      expectRefused(await openSocket(sample(), { protocols: ['wsgate'] }), 401);
      await expectServerStillServes(sample());
    });

    it('401 for an empty ticket (?ticket= and wsgate.ticket.)', async () => {
      expectRefused(await openSocket(sample(), { query: 'ticket=' }), 401);
      expectRefused(await openSocket(sample(), { protocols: ['wsgate', 'wsgate.ticket.'] }), 401);
      await expectServerStillServes(sample());
    });

    it('401 for malformed tickets (wrong length, alphabet or padding)', async () => {
      const valid = unknownTicket();
      const malformed = [
        'abc',
        valid.slice(0, 42),
        `${valid}A`,
        `${valid.slice(0, 42)}+`,
        `${valid.slice(0, 42)}/`,
        `${valid.slice(0, 42)}=`,
        `${valid.slice(0, 41)}==`,
        `${valid.slice(0, 42)}é`,
        `${valid.slice(0, 42)} `,
        'A'.repeat(4096),
      ];
      for (const ticket of malformed) {
        expect(
          refusalStatus(await openSocket(sample(), presentTicket(ticket, 'query'))),
          `query ${ticket}`,
        ).toBe(401);
      }
      for (const ticket of ['abc', valid.slice(0, 42), `${valid}A`, `${valid.slice(0, 41)}..`]) {
        expect(
          refusalStatus(await openSocket(sample(), presentTicket(ticket, 'subprotocol'))),
          `subprotocol ${ticket}`,
        ).toBe(401);
      }
      await expectServerStillServes(sample());
    });

    it('401 for two tickets in one request (query twice, query + subprotocol, two subprotocols)', async () => {
      const a = await freshTicket('alice');
      const b = await freshTicket('bob');
      expectRefused(await openSocket(sample(), { query: `ticket=${a}&ticket=${b}` }), 401, a);
      expectRefused(await openSocket(sample(), { query: `ticket=${a}&ticket=${a}` }), 401, a);
      expectRefused(
        await openSocket(sample(), { query: `ticket=${a}`, protocols: ['wsgate', `wsgate.ticket.${b}`] }),
        401,
        b,
      );
      expectRefused(
        await openSocket(sample(), { protocols: ['wsgate', `wsgate.ticket.${a}`, `wsgate.ticket.${b}`] }),
        401,
        a,
      );
      await expectServerStillServes(sample());
    });

    it('401 for a well-formed ticket the server never issued', async () => {
      const ticket = unknownTicket();
      expectRefused(await openSocket(sample(), presentTicket(ticket, 'query')), 401, ticket);
      expectRefused(await openSocket(sample(), presentTicket(unknownTicket(), 'subprotocol')), 401);
      await expectServerStillServes(sample());
    });

    it('401 on replay: a ticket opens one socket, while it is open and after it closed', async () => {
      const ticket = await freshTicket('alice');
      const client = expectOpened(await openSocket(sample(), presentTicket(ticket, 'query')));
      await client.next(ofType('welcome'));
      expectRefused(await openSocket(sample(), presentTicket(ticket, 'query')), 401, ticket);
      expectRefused(await openSocket(sample(), presentTicket(ticket, 'subprotocol')), 401, ticket);
      client.close();
      await client.waitForClose();
      expectRefused(await openSocket(sample(), presentTicket(ticket, 'query')), 401, ticket);
      await expectServerStillServes(sample());
    });

    it('20 parallel presentations of one ticket: exactly one opens, 19 get 401', async () => {
      const ticket = await freshTicket('alice');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          openSocket(sample(), presentTicket(ticket, i % 2 === 0 ? 'query' : 'subprotocol')),
        ),
      );
      const opened = results.filter((result) => result.kind === 'opened');
      const statuses = results.filter((result) => result.kind !== 'opened').map(refusalStatus);
      expect(opened).toHaveLength(1);
      expect(statuses).toEqual(Array.from({ length: 19 }, () => 401));
      await expectOpened(opened[0]!).next(ofType('welcome'));
      await expectServerStillServes(sample());
    });

    it('401 from another IP (127.0.0.2); the ticket is then burned for its own IP too', async () => {
      const ticket = await freshTicket('alice');
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket), localAddress: '127.0.0.2' }),
        401,
        ticket,
      );
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket), localAddress: '127.0.0.1' }),
        401,
        ticket,
      );
      await expectServerStillServes(sample());
    });

    it('ignores X-Forwarded-For while TRUST_PROXY is unset (no spoofing of the bound IP)', async () => {
      const spoofed = await freshTicket('alice');
      const result = await openSocket(sample(), {
        ...presentTicket(spoofed),
        localAddress: '127.0.0.2',
        headers: { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1' },
      });
      expectRefused(result, 401, spoofed);
      const session = await loginAs(sample(), 'alice');
      const bound = await issueTicket(sample(), session, { headers: { 'x-forwarded-for': '127.0.0.9' } });
      const client = expectOpened(await openSocket(sample(), presentTicket(bound)));
      await client.next(ofType('welcome'));
      await expectServerStillServes(sample());
    });

    it('401 when a ticket bound to Origin A is presented from allowed Origin B; the ticket is then burned', async () => {
      const ticket = await freshTicket('alice', sample().origin);
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().altOrigin }),
        401,
        ticket,
      );
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().origin }),
        401,
        ticket,
      );
      await expectServerStillServes(sample());
    });

    it('401 when a ticket bound to an Origin is presented without an Origin header', async () => {
      const ticket = await freshTicket('alice', sample().altOrigin);
      expectRefused(await openSocket(sample(), presentTicket(ticket)), 401, ticket);
      await expectServerStillServes(sample());
    });
  });

  describe('refused with 403 before the upgrade', () => {
    it('403 for foreign, look-alike and "null" Origins without consuming the ticket', async () => {
      const ticket = await freshTicket('alice');
      for (const origin of foreignOrigins(sample())) {
        const result = await openSocket(sample(), { ...presentTicket(ticket), origin });
        expect(refusalStatus(result), origin).toBe(403);
      }
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().origin }),
      );
      expect((await client.next(ofType('welcome'))).message).toEqual({
        type: 'welcome',
        user: 'alice',
        roles: ['admin'],
      });
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket), origin: sample().origin }),
        401,
        ticket,
      );
    });

    it('403 for Origin: null via the subprotocol too, and the ticket still works afterwards', async () => {
      const ticket = await freshTicket('bob', sample().altOrigin);
      expectRefused(
        await openSocket(sample(), { ...presentTicket(ticket, 'subprotocol'), origin: 'null' }),
        403,
        ticket,
      );
      expectRefused(
        await openSocket(sample(), {
          ...presentTicket(ticket, 'subprotocol'),
          origin: 'http://evil.example',
        }),
        403,
        ticket,
      );
      const client = expectOpened(
        await openSocket(sample(), { ...presentTicket(ticket, 'subprotocol'), origin: sample().altOrigin }),
      );
      await client.next(ofType('welcome'));
      await expectWhoami(client, 'bob');
    });
  });

  itKeepsSecretsOutOfLogs(sample);
});
