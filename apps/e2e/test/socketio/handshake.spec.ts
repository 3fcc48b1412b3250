// The Socket.IO sample's handshake (docs/demo-protocol.md, "Socket.IO mapping", "Connect"):
// single-use tickets in the handshake query, IP and Origin binding, forged Origins, refusals in
// plain HTTP before any Engine.IO session (no sid), the server still serving afterwards.
import { randomBytes } from 'node:crypto';
import type { DemoUserName } from 'test-support/demo-users';
import type { SampleProcess } from 'test-support/sample-process';
import { connectIo, engineUpgrade, expectConnected } from 'test-support/socket-io-client';
import { refusalStatus, type OpenResult } from 'test-support/ws-client';
import { describe, expect, it } from 'vitest';
import { expectRefused } from '../support/actors.js';
import { issueTicket, loginAs, request, requestTicket } from '../support/http.js';
import { foreignOrigins } from '../support/origins.js';
import {
  connectIoAs,
  disconnectIoClientsAfterEach,
  expectIoStillServes,
  expectIoWhoami,
  itKeepsSecretsOutOfLogs,
  SOCKET_IO_SAMPLE,
  useSample,
} from './support.js';

/** A refusal: the status, a JSON `{ error }` body, and no Engine.IO session (no `sid`). */
function expectNoSession(result: OpenResult, status: number, error: string, ticket?: string): void {
  expectRefused(result, status, ticket);
  if (result.kind !== 'refused') return;
  expect(JSON.parse(result.body)).toMatchObject({ error });
  expect(result.body).not.toMatch(/sid/);
}

describe(`${SOCKET_IO_SAMPLE}: Socket.IO handshake`, () => {
  const sample = useSample(SOCKET_IO_SAMPLE);
  disconnectIoClientsAfterEach();

  async function freshTicket(user: DemoUserName = 'alice', origin?: string): Promise<string> {
    const target: SampleProcess = sample();
    return issueTicket(target, await loginAs(target, user), origin === undefined ? {} : { origin });
  }

  describe('accepted', () => {
    it('connects with the ticket in the handshake query and emits the welcome', async () => {
      const { welcome, client } = await connectIoAs(sample(), 'alice');
      expect(welcome).toEqual({ user: 'alice', roles: ['admin'] });
      await expectIoWhoami(client, 'alice');
    });

    it('takes identity from the ticket only, never from the auth payload', async () => {
      const ticket = await freshTicket('bob');
      const client = expectConnected(
        await connectIo(sample(), { ticket, auth: { user: 'alice', roles: ['admin'], principal: 'alice' } }),
      );
      expect(await client.next('welcome')).toEqual({ user: 'bob', roles: ['member'] });
      await expectIoWhoami(client, 'bob');
    });

    it('accepts a ticket bound to an Origin from that Origin, and an unbound one from an allowed Origin', async () => {
      const bound = await freshTicket('alice', sample().origin);
      expectConnected(await connectIo(sample(), { ticket: bound, origin: sample().origin }));
      const unbound = await freshTicket('alice');
      expectConnected(await connectIo(sample(), { ticket: unbound, origin: sample().altOrigin }));
    });
  });

  describe('refused in plain HTTP before any session', () => {
    it('401 TICKET_MISSING without a ticket, or with the ticket only in the auth payload', async () => {
      const missing = await engineUpgrade(sample());
      expectNoSession(missing, 401, 'TICKET_MISSING');
      if (missing.kind === 'refused') expect(JSON.parse(missing.body).message).toMatch(/handshake query/);
      const ticket = await freshTicket();
      const viaAuth = await connectIo(sample(), { auth: { ticket } });
      expect(viaAuth).toMatchObject({ kind: 'failed', status: 401 });
      // Not consumed: the same ticket in the query still connects.
      expectConnected(await connectIo(sample(), { ticket }));
    });

    it('401 TICKET_INVALID for a malformed or unknown ticket, without echoing it', async () => {
      const unknown = randomBytes(32).toString('base64url');
      expectNoSession(await engineUpgrade(sample(), `ticket=${unknown}`), 401, 'TICKET_INVALID', unknown);
      expectNoSession(await engineUpgrade(sample(), 'ticket=not-a-ticket'), 401, 'TICKET_INVALID');
      await expectIoStillServes(sample());
    });

    it('400 BAD_HANDSHAKE for long-polling, Engine.IO 3 and a request with a sid, before the ticket is looked at', async () => {
      const ticket = await freshTicket();
      const polling = await request(sample(), 'GET', `/socket.io/?EIO=4&transport=polling&ticket=${ticket}`);
      expect(polling.status).toBe(400);
      expect(polling.json).toMatchObject({
        error: 'BAD_HANDSHAKE',
        message: expect.stringMatching(/websocket/),
      });
      expect(polling.text).not.toMatch(/sid/);
      const eio3 = await request(sample(), 'GET', `/socket.io/?EIO=3&transport=polling&ticket=${ticket}`);
      expect(eio3.status).toBe(400);
      expectNoSession(await engineUpgrade(sample(), `sid=abc&ticket=${ticket}`), 400, 'BAD_HANDSHAKE');
      // None of them consumed the ticket.
      expectConnected(await connectIo(sample(), { ticket }));
    });

    it('replay: a ticket connects once; presented again it is 401, and the first connection keeps working', async () => {
      const ticket = await freshTicket('alice');
      const first = expectConnected(await connectIo(sample(), { ticket }));
      expectNoSession(await engineUpgrade(sample(), `ticket=${ticket}`), 401, 'TICKET_INVALID', ticket);
      expect(await connectIo(sample(), { ticket })).toMatchObject({ kind: 'failed', status: 401 });
      await expectIoWhoami(first, 'alice');
    });

    it('a 20-way race on one ticket: exactly one handshake gets a session, 19 get 401', async () => {
      const ticket = await freshTicket('bob');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => engineUpgrade(sample(), `ticket=${ticket}`)),
      );
      const opened = results.filter((result) => result.kind === 'opened');
      expect(opened).toHaveLength(1);
      expect(results.map(refusalStatus).filter((status) => status === 401)).toHaveLength(19);
      for (const result of results) if (result.kind === 'refused') expect(result.body).not.toContain(ticket);
    });

    it('IP binding: a ticket issued to 127.0.0.1 presented from 127.0.0.2 is 401, and burned', async () => {
      const ticket = await freshTicket('alice');
      expectNoSession(
        await engineUpgrade(sample(), `ticket=${ticket}`, { localAddress: '127.0.0.2' }),
        401,
        'TICKET_INVALID',
        ticket,
      );
      expectNoSession(await engineUpgrade(sample(), `ticket=${ticket}`), 401, 'TICKET_INVALID', ticket);
    });

    it('Origin binding: a ticket bound to Origin O is 401 from another allowed Origin or without Origin, and burned', async () => {
      const other = await freshTicket('alice', sample().origin);
      expectNoSession(
        await engineUpgrade(sample(), `ticket=${other}`, { origin: sample().altOrigin }),
        401,
        'TICKET_INVALID',
        other,
      );
      expectNoSession(
        await engineUpgrade(sample(), `ticket=${other}`, { origin: sample().origin }),
        401,
        'TICKET_INVALID',
        other,
      );
      const none = await freshTicket('alice', sample().origin);
      expectNoSession(await engineUpgrade(sample(), `ticket=${none}`), 401, 'TICKET_INVALID', none);
    });

    it('forged Origins: 403 ORIGIN_NOT_ALLOWED for each, before the ticket is looked at (it still connects afterwards)', async () => {
      const ticket = await freshTicket('bob');
      for (const origin of foreignOrigins(sample())) {
        const result = await engineUpgrade(sample(), `ticket=${ticket}`, { origin });
        expectNoSession(result, 403, 'ORIGIN_NOT_ALLOWED', ticket);
      }
      const client = expectConnected(await connectIo(sample(), { ticket, origin: sample().origin }));
      await expectIoWhoami(client, 'bob');
    });

    it('the ticket route refuses foreign Origins too (403), issuing nothing', async () => {
      const session = await loginAs(sample(), 'alice');
      for (const origin of foreignOrigins(sample())) {
        const response = await requestTicket(sample(), session.cookie, { origin });
        expect(response.status, origin).toBe(403);
        expect(response.json, origin).toEqual({ error: 'ORIGIN_NOT_ALLOWED' });
      }
    });

    it('a namespace other than the main one does not exist', async () => {
      const result = await connectIo(sample(), { ticket: await freshTicket(), namespace: '/admin' });
      expect(result).toMatchObject({ kind: 'failed', error: 'Invalid namespace' });
    });
  });

  itKeepsSecretsOutOfLogs(sample);
});
