// WS_REFUSAL=close-frame (@wsgate's opt-in `refusal: 'close-frame'`): a refused upgrade is
// accepted and closed at once with 4401, so that browser code can tell "not authenticated"
// from a network failure. In the default mode ('http') the refusal is an HTTP 401 before the
// upgrade, and a browser reports nothing but 1006. WS_REFUSAL is a fastify-sample setting.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useBrowser } from './support/browser.js';
import { DemoPage, type Transport } from './support/demo-page.js';
import { useSample, type SampleSlot } from './support/lifecycle.js';

const SAMPLE = 'fastify-sample';

interface PageSocketOutcome {
  readonly opened: boolean;
  readonly code: number;
  readonly reason: string;
  readonly messages: number;
}

const browser = useBrowser();

/**
 * Opens WebSockets from the demo page (an allowed Origin) with a well-formed ticket nobody
 * issued, once in the query and once as a subprotocol; waits for the server to log both refusals.
 */
async function bogusTicketsFromPage(slot: SampleSlot): Promise<Record<Transport, PageSocketOutcome>> {
  const refusedBefore = slot.current.events('wsgate.upgrade_refused').length;
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${slot.current.origin}/`);
  const outcomes: Partial<Record<Transport, PageSocketOutcome>> = {};
  for (const transport of ['query', 'subprotocol'] as const) {
    outcomes[transport] = await page.evaluate(
      ([ticket, where]) =>
        new Promise<PageSocketOutcome>((resolve) => {
          const base = `ws://${location.host}/ws`;
          const socket =
            where === 'query'
              ? new WebSocket(`${base}?ticket=${ticket}`)
              : new WebSocket(base, ['wsgate', `wsgate.ticket.${ticket}`]);
          let opened = false;
          let messages = 0;
          socket.onopen = () => {
            opened = true;
          };
          socket.onmessage = () => {
            messages += 1;
          };
          socket.onclose = (event) => resolve({ opened, code: event.code, reason: event.reason, messages });
        }),
      [randomBytes(32).toString('base64url'), transport] as const,
    );
  }
  const refused = (await slot.current.waitForEvents('wsgate.upgrade_refused', refusedBefore + 2)).slice(
    refusedBefore,
  );
  expect(refused.map((event) => event['code'])).toEqual(['TICKET_INVALID', 'TICKET_INVALID']);
  return outcomes as Record<Transport, PageSocketOutcome>;
}

describe(`${SAMPLE}: refusal mode seen from the browser`, () => {
  describe('WS_REFUSAL=close-frame', () => {
    const sample = useSample(SAMPLE, { env: { WS_REFUSAL: 'close-frame' } });

    it('a bogus ticket (query or subprotocol) is closed with 4401, which the page sees', async () => {
      const outcomes = await bogusTicketsFromPage(sample);
      // The socket opens for an instant (the trade-off of this mode), receives nothing, and closes 4401.
      const expected = { opened: true, code: 4401, reason: 'TICKET_INVALID', messages: 0 };
      expect(outcomes).toEqual({ query: expected, subprotocol: expected });
    });

    it('the demo page still logs in, connects and chats', async () => {
      const alice = await DemoPage.open(await browser.newContext(), sample.current.origin, {
        remember: (secret) => sample.remember(secret),
      });
      await alice.login('alice');
      await alice.join('lobby');
      await alice.say('close-frame mode');
      await alice.waitForChat('alice', 'close-frame mode');
      await alice.logout();
      await alice.waitForState('logged-out', 3_000);
      expect(await alice.page.getAttribute('[data-testid="status"]', 'data-close-code')).toBe('4401');
    });
  });

  describe('default (WS_REFUSAL unset: http)', () => {
    const sample = useSample(SAMPLE);

    it('a bogus ticket (query or subprotocol) is refused before the upgrade: the page sees only 1006', async () => {
      const outcomes = await bogusTicketsFromPage(sample);
      const expected = { opened: false, code: 1006, reason: '', messages: 0 };
      expect(outcomes).toEqual({ query: expected, subprotocol: expected });
    });
  });
});
