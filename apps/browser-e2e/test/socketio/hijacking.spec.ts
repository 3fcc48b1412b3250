// Cross-site WebSocket hijacking against the Socket.IO sample, in a real browser: alice is logged
// in; a page from another origin in the same browser (same cookie jar) tries to get a ticket with
// her cookie and to open the Engine.IO endpoint (/socket.io/?EIO=4&transport=websocket) with no
// ticket, a guessed one and a leaked real one. It gets no ticket and no socket; alice keeps
// chatting. The two places the evil page runs, and why, are explained in ../hijacking.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { recordCookies } from '../support/cookies.js';
import { DemoPage } from '../support/demo-page.js';
import { EvilServer, type AttackReport } from '../support/evil-server.js';
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

  const VARIANTS = [
    { host: '127.0.0.1', cookie: 'sent' },
    { host: 'localhost', cookie: 'withheld' },
  ] as const;

  it('evil pages on another port (same-site) and on localhost (cross-site) get no ticket and no socket; alice keeps chatting, bob still gets in', async () => {
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
      const issuedBefore = server.events('wsgate.ticket_issued').length;
      const ticketRefusedBefore = server.events('wsgate.ticket_refused').length;
      const acceptedBefore = server.events('wsgate.upgrade_accepted').length;
      const refusedBefore = server.events('wsgate.upgrade_refused').length;

      const evilPage = await context.newPage();
      const cookies = await recordCookies(context, evilPage);
      const framesToEvil: string[] = [];
      evilPage.on('websocket', (socket) =>
        socket.on('framereceived', (frame) => framesToEvil.push(String(frame.payload))),
      );
      await evilPage.goto(evil!.pageUrl(host, `127.0.0.1:${server.port}`, leaked, ENGINE_IO));
      const report = await evilPage.evaluate(
        () => (window as unknown as { __attack: Promise<AttackReport> }).__attack,
      );

      // (a) The ticket request: sent (with or without alice's cookie), refused 403, unreadable.
      const sid = cookies.sidCookieOn('POST', `${server.origin}/ws-ticket`);
      expect(sid, evilOrigin).toHaveLength(1);
      if (cookie === 'sent') expect(sid[0], evilOrigin).toEqual({ sent: true });
      else {
        const reasons = sid[0]?.sent === false ? sid[0].blockedReasons : [];
        expect(
          reasons.some((reason) => reason.endsWith('SameSiteStrict')),
          reasons.join(', '),
        ).toBe(true);
      }
      expect(report.ticketRequest, evilOrigin).toEqual({ readable: false, error: 'TypeError' });
      await expect
        .poll(() => server.events('wsgate.ticket_refused').slice(ticketRefusedBefore))
        .toEqual([expect.objectContaining({ status: 403, code: 'ORIGIN_NOT_ALLOWED' })]);
      expect(server.events('wsgate.ticket_issued'), evilOrigin).toHaveLength(issuedBefore);

      // (b) The sockets: refused before any Engine.IO session (foreign Origin): never open, nothing received.
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
      await expect
        .poll(() =>
          server
            .events('wsgate.upgrade_refused')
            .slice(refusedBefore)
            .map((event) => [event['status'], event['code']]),
        )
        .toEqual(Array(5).fill([403, 'ORIGIN_NOT_ALLOWED']));
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
});
