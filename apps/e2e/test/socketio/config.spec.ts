// The Socket.IO sample takes the environment of the other samples (docs/demo-protocol.md,
// "Environment"): TLS, TRUST_PROXY and REQUIRE_SECURE reach its Engine.IO handshake too.
import { connectIo, engineUpgrade } from 'test-support/socket-io-client';
import { describe, expect, it } from 'vitest';
import { expectRefused } from '../support/actors.js';
import { issueTicket, loginAs } from '../support/http.js';
import {
  connectIoAs,
  disconnectIoClientsAfterEach,
  expectIoStillServes,
  expectIoWhoami,
  itKeepsSecretsOutOfLogs,
  SOCKET_IO_SAMPLE,
  useSample,
} from './support.js';

describe(`${SOCKET_IO_SAMPLE}: configuration`, () => {
  disconnectIoClientsAfterEach();

  describe('TLS_CERT_FILE + TLS_KEY_FILE', () => {
    const sample = useSample(SOCKET_IO_SAMPLE, { tls: true });

    it('serves https and wss: a ticket connects, gets the welcome and answers whoami', async () => {
      expect(sample().httpBase).toMatch(/^https:/);
      const { client, welcome } = await connectIoAs(sample(), 'bob');
      expect(welcome).toEqual({ user: 'bob', roles: ['member'] });
      await expectIoWhoami(client, 'bob');
    });

    itKeepsSecretsOutOfLogs(sample);
  });

  describe('TRUST_PROXY=127.0.0.1', () => {
    const sample = useSample(SOCKET_IO_SAMPLE, { env: { TRUST_PROXY: '127.0.0.1' } });
    const forwarded = { 'x-forwarded-for': '127.0.0.5' };

    it('binds the ticket to the address a trusted proxy reports, and ignores the header from anyone else', async () => {
      const session = await loginAs(sample(), 'alice');
      const ticket = await issueTicket(sample(), session, { headers: forwarded });
      const opened = await engineUpgrade(sample(), `ticket=${ticket}`, { headers: forwarded });
      expect(opened.kind).toBe('opened');
      const moved = await issueTicket(sample(), session, { headers: forwarded });
      expectRefused(
        await engineUpgrade(sample(), `ticket=${moved}`, { headers: { 'x-forwarded-for': '127.0.0.6' } }),
        401,
        moved,
      );
      const untrusted = await issueTicket(sample(), session, { headers: forwarded });
      expectRefused(
        await engineUpgrade(sample(), `ticket=${untrusted}`, {
          headers: forwarded,
          localAddress: '127.0.0.2',
        }),
        401,
        untrusted,
      );
      await expectIoStillServes(sample());
    });
  });

  describe('REQUIRE_SECURE=true behind TRUST_PROXY=127.0.0.1', () => {
    const sample = useSample(SOCKET_IO_SAMPLE, { env: { REQUIRE_SECURE: 'true', TRUST_PROXY: '127.0.0.1' } });
    const viaTlsProxy = { 'x-forwarded-proto': 'https' };

    it('refuses a plain handshake with 403 INSECURE_TRANSPORT, keeping the ticket; connects through the TLS proxy', async () => {
      const session = await loginAs(sample(), 'alice', { headers: viaTlsProxy });
      const ticket = await issueTicket(sample(), session, { headers: viaTlsProxy });
      const plain = await engineUpgrade(sample(), `ticket=${ticket}`);
      expectRefused(plain, 403, ticket);
      if (plain.kind === 'refused') expect(JSON.parse(plain.body)).toEqual({ error: 'INSECURE_TRANSPORT' });
      const spoofed = await engineUpgrade(sample(), `ticket=${ticket}`, {
        headers: viaTlsProxy,
        localAddress: '127.0.0.2',
      });
      expectRefused(spoofed, 403, ticket);
      expect((await engineUpgrade(sample(), `ticket=${ticket}`, { headers: viaTlsProxy })).kind).toBe(
        'opened',
      );
      const again = await issueTicket(sample(), session, { headers: viaTlsProxy });
      expect(await connectIo(sample(), { ticket: again })).toMatchObject({ kind: 'failed', status: 403 });
    });
  });
});
