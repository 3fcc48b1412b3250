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
import { recordCookies } from './support/cookies.js';
import { DemoPage } from './support/demo-page.js';
import { EvilServer, type AttackReport } from './support/evil-server.js';
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

    /** Where the evil page is served from, and what the browser does with alice's cookie there. */
    const VARIANTS = [
      { host: '127.0.0.1', cookie: 'sent' },
      { host: 'localhost', cookie: 'withheld' },
    ] as const;

    it('evil pages on http://127.0.0.1:<other port> (same-site) and http://localhost:<other port> (cross-site) get no ticket and no socket; alice keeps chatting, bob still gets in', async () => {
      const server = sample.current;
      const context = await browser.newContext();
      const alice = await DemoPage.open(context, server.origin, {
        remember: (secret) => sample.remember(secret),
      });
      await alice.login('alice');
      await alice.join('lobby');
      await alice.say('before the attack');
      await alice.waitForChat('alice', 'before the attack');

      // A real ticket of alice's, as if it had leaked: bound to her Origin, so useless elsewhere.
      const leaked = await alice.page.evaluate(async () => {
        const response = await fetch('/ws-ticket', { method: 'POST', credentials: 'same-origin' });
        return ((await response.json()) as { ticket: string }).ticket;
      });
      sample.remember(leaked);

      for (const { host, cookie } of VARIANTS) {
        const evilOrigin = `http://${host}:${evil!.port}`;
        await server.quiesce(); // every request so far has its log lines (the leaked ticket's, too)
        const ticketsIssuedBefore = server.events('wsgate.ticket_issued').length;
        const acceptedBefore = server.events('wsgate.upgrade_accepted').length;
        const refusedBefore = server.events('wsgate.upgrade_refused').length;
        const ticketStatusesBefore = server.responseStatuses('POST', '/ws-ticket').length;

        // Same browser context as alice's page: same cookie jar.
        const evilPage = await context.newPage();
        const cookies = await recordCookies(context, evilPage);
        const framesToEvil: string[] = [];
        evilPage.on('websocket', (socket) =>
          socket.on('framereceived', (frame) => framesToEvil.push(String(frame.payload))),
        );
        await evilPage.goto(evil!.pageUrl(host, `127.0.0.1:${server.port}`, leaked));
        const report = await evilPage.evaluate(
          () => (window as unknown as { __attack: Promise<AttackReport> }).__attack,
        );

        // (a) The ticket request: sent (with or without alice's cookie), refused 403, unreadable.
        const sid = cookies.sidCookieOn('POST', `${server.origin}/ws-ticket`);
        expect(sid, evilOrigin).toHaveLength(1);
        if (cookie === 'sent') {
          expect(sid[0], `${evilOrigin}: same-site, so SameSite=Strict does not stop the cookie`).toEqual({
            sent: true,
          });
        } else {
          // Chromium says `SchemefulSameSiteStrict` (and may add e.g. `UserPreferences`: third-party cookie blocking).
          const reasons = sid[0]?.sent === false ? sid[0].blockedReasons : [];
          expect(
            reasons.some((reason) => reason.endsWith('SameSiteStrict')),
            `${evilOrigin}: ${reasons.join(', ')}`,
          ).toBe(true);
        }
        // CORS: the answer has no Access-Control-Allow-Origin, so the page cannot read it at all.
        expect(report.ticketRequest, evilOrigin).toEqual({ readable: false, error: 'TypeError' });
        await server.quiesce();
        expect(server.responseStatuses('POST', '/ws-ticket').slice(ticketStatusesBefore), evilOrigin).toEqual(
          [403],
        );
        expect(server.events('wsgate.ticket_issued'), evilOrigin).toHaveLength(ticketsIssuedBefore);

        // (b) The WebSockets: refused before the upgrade (foreign Origin), so never open, nothing received.
        expect(report.sockets, evilOrigin).toHaveLength(5);
        for (const socket of report.sockets) {
          expect(socket, `${evilOrigin}: ${socket.label}`).toEqual({
            label: socket.label,
            opened: false,
            messages: [],
            closeCode: 1006,
          });
        }
        expect(framesToEvil, evilOrigin).toEqual([]);
        const refused = (await server.waitForEvents('wsgate.upgrade_refused', refusedBefore + 5)).slice(
          refusedBefore,
        );
        expect(
          refused.map((event) => [event['code'], event['origin']]),
          evilOrigin,
        ).toEqual(Array(5).fill(['ORIGIN_NOT_ALLOWED', evilOrigin]));
        expect(server.events('wsgate.upgrade_accepted'), evilOrigin).toHaveLength(acceptedBefore);
        await evilPage.close();
      }

      // Afterwards alice's page still works (same socket, chat still flows) and others still get in.
      const bob = await DemoPage.open(await browser.newContext(), server.origin, {
        remember: (secret) => sample.remember(secret),
      });
      await bob.login('bob');
      await bob.join('lobby');
      await alice.say('after the attack');
      await bob.waitForChat('alice', 'after the attack');
      await bob.say('all good here');
      await alice.waitForChat('bob', 'all good here');
      expect(alice.sockets).toHaveLength(1);
      expect(alice.sockets[0]?.closed).toBe(false);
      expect([...alice.pageErrors, ...bob.pageErrors]).toEqual([]);
    });
  },
);
