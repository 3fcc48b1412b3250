// Cross-site WebSocket hijacking, in a real browser: alice is logged in to the sample; a page
// from another origin, opened in the same browser (same cookie jar), tries to get a ticket
// with her cookie and to open /ws. Nothing may reach that page, and alice keeps chatting.
//
// Where the evil page runs matters, and both places are tested:
// - http://127.0.0.1:<other port> — cross-ORIGIN but SAME-SITE (a site ignores the port). The
//   browser attaches alice's SameSite=Strict cookie to its requests to the sample (the test
//   checks that through CDP), so the only thing between it and a ticket is the server's Origin
//   check: this variant proves the Origin check on its own.
// - http://localhost:<other port> — CROSS-SITE, the classic CSWSH attacker. The cookie set by
//   127.0.0.1 is withheld (SameSite=Strict, checked too) and the Origin is foreign as well:
//   two independent defences, either one sufficient.
// (Cookies are not port-scoped: a server on 127.0.0.1:<other port> itself receives alice's
// cookie on a top-level navigation. That attacker is outside what Origin checks and SameSite can
// stop, which is why only the page's behaviour — not the evil server — is modelled here.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowser } from './support/browser.js';
import { EvilServer } from './support/evil-server.js';
import {
  aliceWithLeakedTicket,
  EVIL_PAGE_VARIANTS,
  expectNoSocketOpened,
  expectStillServing,
  expectTicketRequestUnreadable,
  runEvilPage,
} from './support/hijacking.js';
import { LOG_ASSERTING_SAMPLES, SAMPLES, useSample } from './support/lifecycle.js';

const browser = useBrowser();

describe.each(SAMPLES.filter((sample) => LOG_ASSERTING_SAMPLES.includes(sample)))(
  '%s: cross-site WebSocket hijacking',
  (sampleName) => {
    const sample = useSample(sampleName);
    let evil: EvilServer | undefined;
    beforeAll(async () => {
      evil = await EvilServer.start();
    });
    afterAll(async () => {
      await evil?.close();
    });

    it('evil pages on http://127.0.0.1:<other port> (same-site) and http://localhost:<other port> (cross-site) get no ticket and no socket; alice keeps chatting, bob still gets in', async () => {
      const server = sample.current;
      const attacked = { origin: server.origin, remember: (secret: string) => sample.remember(secret) };
      const { context, alice, leaked } = await aliceWithLeakedTicket(browser, attacked);

      for (const variant of EVIL_PAGE_VARIANTS) {
        const evilOrigin = `http://${variant.host}:${evil!.port}`;
        await server.quiesce(); // every request so far has its log lines (the leaked ticket's, too)
        const ticketsIssuedBefore = server.events('wsgate.ticket_issued').length;
        const acceptedBefore = server.events('wsgate.upgrade_accepted').length;
        const refusedBefore = server.events('wsgate.upgrade_refused').length;
        const ticketStatusesBefore = server.responseStatuses('POST', '/ws-ticket').length;

        // Same browser context as alice's page: same cookie jar.
        const attack = await runEvilPage(
          context,
          evil!.pageUrl(variant.host, `127.0.0.1:${server.port}`, leaked),
        );

        // (a) The ticket request: sent (with or without alice's cookie), refused 403, unreadable.
        expectTicketRequestUnreadable(attack, server.origin, variant, evilOrigin);
        await server.quiesce();
        expect(server.responseStatuses('POST', '/ws-ticket').slice(ticketStatusesBefore), evilOrigin).toEqual(
          [403],
        );
        expect(server.events('wsgate.ticket_issued'), evilOrigin).toHaveLength(ticketsIssuedBefore);

        // (b) The WebSockets: refused before the upgrade (foreign Origin), so never open, nothing received.
        expectNoSocketOpened(attack, evilOrigin);
        const refused = (await server.waitForEvents('wsgate.upgrade_refused', refusedBefore + 5)).slice(
          refusedBefore,
        );
        expect(
          refused.map((event) => [event['code'], event['origin']]),
          evilOrigin,
        ).toEqual(Array(5).fill(['ORIGIN_NOT_ALLOWED', evilOrigin]));
        expect(server.events('wsgate.upgrade_accepted'), evilOrigin).toHaveLength(acceptedBefore);
        await attack.close();
      }

      // Afterwards alice's page still works (same socket, chat still flows) and others still get in.
      await expectStillServing(browser, attacked, alice);
    });
  },
);
