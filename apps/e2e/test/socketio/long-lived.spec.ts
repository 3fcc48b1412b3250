// What ends a Socket.IO connection for the client to come back (docs/demo-protocol.md,
// "Socket.IO mapping", "Disconnects"): the lifetime limit (4000 on `ws`) and the drain on SIGTERM
// (1012 on `ws`) close the transport — never a server-side disconnect, which socket.io-client
// treats as final — and a fresh ticket connects again.
import { describe, expect, it } from 'vitest';
import {
  connectIoAs,
  disconnectIoClientsAfterEach,
  expectIoWhoami,
  SOCKET_IO_SAMPLE,
  useSample,
} from './support.js';

const LIFETIME_MS = 1_500;

describe(`${SOCKET_IO_SAMPLE}: lifetime and drain`, () => {
  disconnectIoClientsAfterEach();

  describe('WS_MAX_LIFETIME_MS', () => {
    const sample = useSample(SOCKET_IO_SAMPLE, { env: { WS_MAX_LIFETIME_MS: String(LIFETIME_MS) } });

    it('closes the transport once the lifetime is reached (no exception); a fresh ticket connects again', async () => {
      const { client, session } = await connectIoAs(sample(), 'alice');
      await expectIoWhoami(client, 'alice');
      expect(await client.waitForDisconnect(LIFETIME_MS + 10_000)).toBe('transport close');
      expect(client.received('exception')).toEqual([]);
      const next = await connectIoAs(sample(), 'alice', { session });
      await expectIoWhoami(next.client, 'alice');
    });
  });

  describe('SIGTERM', () => {
    const sample = useSample(SOCKET_IO_SAMPLE, {
      env: { WS_DRAIN_DELAY_MS: '300', WS_DRAIN_TIMEOUT_MS: '2000' },
    });

    it('drains: the connections get a transport close (1012 in the log), and the process exits 0', async () => {
      const connected = [await connectIoAs(sample(), 'alice'), await connectIoAs(sample(), 'bob')];
      const closes = connected.map(({ client }) => client.waitForDisconnect(10_000));
      await sample().stop(); // SIGTERM; SIGKILL only after 5 s
      expect(sample().exit, sample().logTail()).toEqual({ code: 0, signal: null });
      expect(await Promise.all(closes)).toEqual(['transport close', 'transport close']);
      for (const { client } of connected) expect(client.received('exception')).toEqual([]);
      expect(
        sample()
          .events('wsgate.close')
          .map((event) => event['code']),
      ).toEqual([1012, 1012]);
    });
  });
});
