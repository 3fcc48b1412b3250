// Cross-site WebSocket hijacking against the Socket.IO sample, in a real browser: alice is logged
// in; a page from another origin in the same browser (same cookie jar) tries to get a ticket with
// her cookie and to open the Engine.IO endpoint (/socket.io/?EIO=4&transport=websocket) with no
// ticket, a guessed one and a leaked real one. It gets no ticket and no socket; alice keeps
// chatting. The two places the evil page runs, and why, are explained in ../hijacking.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { EvilServer } from '../support/evil-server.js';
import {
  aliceWithLeakedTicket,
  EVIL_PAGE_VARIANTS,
  expectNoSocketOpened,
  expectStillServing,
  expectTicketRequestUnreadable,
  runEvilPage,
} from '../support/hijacking.js';
import { useSample } from '../support/lifecycle.js';

const SAMPLE = 'nestjs-socketio-sample';
const ENGINE_IO = '/socket.io/?EIO=4&transport=websocket';

const browser = useBrowser();

describe(`${SAMPLE}: cross-site WebSocket hijacking`, () => {
  const sample = useSample(SAMPLE);
  let evil: EvilServer | undefined;
  beforeAll(async () => {
    evil = await EvilServer.start();
  });
  afterAll(async () => {
    await evil?.close();
  });

  it('evil pages on another port (same-site) and on localhost (cross-site) get no ticket and no socket; alice keeps chatting, bob still gets in', async () => {
    const server = sample.current;
    const attacked = { origin: server.origin, remember: (secret: string) => sample.remember(secret) };
    const { context, alice, leaked } = await aliceWithLeakedTicket(browser, attacked);

    for (const variant of EVIL_PAGE_VARIANTS) {
      const evilOrigin = `http://${variant.host}:${evil!.port}`;
      const issuedBefore = server.events('wsgate.ticket_issued').length;
      const ticketRefusedBefore = server.events('wsgate.ticket_refused').length;
      const acceptedBefore = server.events('wsgate.upgrade_accepted').length;
      const refusedBefore = server.events('wsgate.upgrade_refused').length;

      const attack = await runEvilPage(
        context,
        evil!.pageUrl(variant.host, `127.0.0.1:${server.port}`, leaked, ENGINE_IO),
      );

      // (a) The ticket request: sent (with or without alice's cookie), refused 403, unreadable.
      expectTicketRequestUnreadable(attack, server.origin, variant, evilOrigin);
      await expect
        .poll(() => server.events('wsgate.ticket_refused').slice(ticketRefusedBefore))
        .toEqual([expect.objectContaining({ status: 403, code: 'ORIGIN_NOT_ALLOWED' })]);
      expect(server.events('wsgate.ticket_issued'), evilOrigin).toHaveLength(issuedBefore);

      // (b) The sockets: refused before any Engine.IO session (foreign Origin): never open, nothing received.
      expectNoSocketOpened(attack, evilOrigin);
      await expect
        .poll(() =>
          server
            .events('wsgate.upgrade_refused')
            .slice(refusedBefore)
            .map((event) => [event['status'], event['code']]),
        )
        .toEqual(Array(5).fill([403, 'ORIGIN_NOT_ALLOWED']));
      expect(server.events('wsgate.upgrade_accepted'), evilOrigin).toHaveLength(acceptedBefore);
      await attack.close();
    }

    // Afterwards alice's page still works (same socket, chat still flows) and others still get in.
    await expectStillServing(browser, attacked, alice);
  });
});
