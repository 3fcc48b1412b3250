// Reconnection in a real browser: @wsgate/client asks for a fresh ticket before every attempt.
// Every ticket the page presents (read from its handshakes) must be one it was just issued,
// and none may be presented twice.
import { describe, expect, it } from 'vitest';
import { useBrowser } from './support/browser.js';
import { DemoPage, type Transport } from './support/demo-page.js';
import { LOG_ASSERTING_SAMPLES, SAMPLES, useSample } from './support/lifecycle.js';

/** More frames than the per-socket bucket (40) holds: the server closes the socket with 4429. */
const FLOOD_FRAMES = 60;

const browser = useBrowser();

/** Presented tickets are distinct, each one issued to the page, and the page's sockets match its handshakes. */
async function expectFreshTicketPerHandshake(demo: DemoPage, handshakes: number): Promise<void> {
  await demo.settled();
  const presented = demo.presentedTickets();
  expect(demo.handshakes).toHaveLength(handshakes);
  expect(presented).toHaveLength(handshakes);
  expect(new Set(presented).size, 'a ticket was presented twice').toBe(presented.length);
  for (const ticket of presented) expect(demo.issuedTickets).toContain(ticket);
  expect(demo.sockets).toHaveLength(handshakes);
}

describe.each(SAMPLES.filter((sample) => LOG_ASSERTING_SAMPLES.includes(sample)))(
  '%s: reconnecting with a fresh ticket',
  (sampleName) => {
    const sample = useSample(sampleName);

    // One transport per scenario (the client's reconnect path is the same for both): the ticket as
    // a subprotocol after a 4429, in the query after a restart.
    it.each(['subprotocol'] as const)(
      'after the server drops the socket (4429), the page reconnects by itself with a new ticket (%s)',
      async (transport: Transport) => {
        const server = sample.current;
        const acceptedBefore = server.events('wsgate.upgrade_accepted').length;
        const alice = await DemoPage.open(await browser.newContext(), server.origin, {
          transport,
          remember: (secret) => sample.remember(secret),
        });
        await alice.login('alice');
        await alice.join('flood');

        // Submit the chat form many times within one task: the socket's token bucket runs dry.
        await alice.page.evaluate((frames) => {
          const form = document.getElementById('chat-form') as HTMLFormElement;
          const input = document.getElementById('text') as HTMLInputElement;
          for (let index = 0; index < frames; index += 1) {
            input.value = `flood ${index}`;
            form.requestSubmit();
          }
        }, FLOOD_FRAMES);

        await alice.waitForLines('system', 'connection closed (4429)', 1);
        await alice.waitForLines('system', 'joined flood', 2); // the page re-joins its room on the new socket
        await alice.waitForState('connected');
        await alice.say('back again');
        await alice.waitForChat('alice', 'back again');

        expect(await alice.stateHistory()).toEqual([
          'logged-out',
          'connecting',
          'connected',
          'reconnecting',
          'connected',
        ]);
        await expectFreshTicketPerHandshake(alice, 2);
        for (const handshake of alice.handshakes) {
          if (transport === 'query') expect(handshake.url).toMatch(/\/ws\?ticket=[\w-]{43}$/);
          else
            expect([handshake.url, handshake.protocols[0]]).toEqual([
              `ws://127.0.0.1:${server.port}/ws`,
              'wsgate',
            ]);
        }
        expect(server.events('wsgate.upgrade_accepted').length - acceptedBefore).toBe(2);
        expect(alice.pageErrors).toEqual([]);
      },
    );

    it('after a server crash and restart on the same port: reconnecting, then logged out (sessions are gone), then a fresh login connects with a new ticket (query)', async () => {
      const acceptedBefore = sample.current.events('wsgate.upgrade_accepted').length;
      const refusedBefore = sample.current.events('wsgate.upgrade_refused').length;
      const alice = await DemoPage.open(await browser.newContext(), sample.current.origin, {
        transport: 'query',
        remember: (secret) => sample.remember(secret),
      });
      await alice.login('alice');
      await alice.join('lobby');
      await alice.say('before the crash');
      await alice.waitForChat('alice', 'before the crash');

      const crashed = await sample.crash();
      await alice.waitForState('reconnecting');
      expect(await alice.page.getAttribute('[data-testid="status"]', 'data-close-code')).toBe('1006');
      await alice.page.waitForTimeout(300); // a few failed attempts against a closed port

      const restarted = await sample.restart();
      expect(restarted.port).toBe(crashed.port);
      // The in-memory session died with the process: the next ticket request answers 401.
      await alice.waitForState('logged-out', 15_000);
      expect(await alice.page.isVisible('[data-testid="login-form"]')).toBe(true);

      await alice.login('alice');
      await alice.waitForLines('system', 'joined lobby', 2); // the page re-joins its room
      await alice.say('after the restart');
      await alice.waitForChat('alice', 'after the restart');

      const history = await alice.stateHistory();
      expect(history.slice(0, 4)).toEqual(['logged-out', 'connecting', 'connected', 'reconnecting']);
      expect(history.slice(-3)).toEqual(['logged-out', 'connecting', 'connected']);
      await expectFreshTicketPerHandshake(alice, 2);
      for (const handshake of alice.handshakes) expect(handshake.url).toMatch(/\/ws\?ticket=[\w-]{43}$/);
      expect(crashed.events('wsgate.upgrade_accepted').length - acceptedBefore).toBe(1);
      expect(restarted.events('wsgate.upgrade_accepted')).toHaveLength(1);
      expect([
        ...crashed.events('wsgate.upgrade_refused').slice(refusedBefore),
        ...restarted.events('wsgate.upgrade_refused'),
      ]).toEqual([]);
      expect(alice.pageErrors).toEqual([]);
    });
  },
);
