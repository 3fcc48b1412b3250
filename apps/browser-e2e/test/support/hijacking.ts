// The steps both cross-site hijacking specs (ws and Socket.IO) take around the attack itself.
// Not a spec file.
import type { BrowserContext } from 'playwright-core';
import { expect } from 'vitest';
import type { BrowserHandle } from './browser.js';
import { recordCookies, type CookieRecorder } from './cookies.js';
import { DemoPage } from './demo-page.js';
import type { AttackReport } from './evil-server.js';

/** Where the evil page is served from, and what the browser does with alice's cookie there. */
export const EVIL_PAGE_VARIANTS = [
  { host: '127.0.0.1', cookie: 'sent' },
  { host: 'localhost', cookie: 'withheld' },
] as const;

/** The sample under attack, as the specs see it. */
export interface AttackedSample {
  readonly origin: string;
  readonly remember: (secret: string) => void;
}

/**
 * alice logged in to the sample in a context of her own, chatting in the lobby, and a real
 * ticket of hers as if it had leaked: bound to her Origin, so useless elsewhere.
 */
export async function aliceWithLeakedTicket(
  browser: BrowserHandle,
  sample: AttackedSample,
): Promise<{ context: BrowserContext; alice: DemoPage; leaked: string }> {
  const context = await browser.newContext();
  const alice = await DemoPage.open(context, sample.origin, { remember: sample.remember });
  await alice.login('alice');
  await alice.join('lobby');
  await alice.say('before the attack');
  await alice.waitForChat('alice', 'before the attack');
  const leaked = await alice.page.evaluate(async () => {
    const response = await fetch('/ws-ticket', { method: 'POST', credentials: 'same-origin' });
    return ((await response.json()) as { ticket: string }).ticket;
  });
  sample.remember(leaked);
  return { context, alice, leaked };
}

/**
 * Runs the evil page at `url` in alice's context (same cookie jar): what it reported, the cookies
 * its requests carried and the WebSocket frames it received. Close the page when done.
 */
export async function runEvilPage(
  context: BrowserContext,
  url: string,
): Promise<{
  report: AttackReport;
  cookies: CookieRecorder;
  framesToEvil: string[];
  close: () => Promise<void>;
}> {
  const evilPage = await context.newPage();
  const cookies = await recordCookies(context, evilPage);
  const framesToEvil: string[] = [];
  evilPage.on('websocket', (socket) =>
    socket.on('framereceived', (frame) => framesToEvil.push(String(frame.payload))),
  );
  await evilPage.goto(url);
  const report = await evilPage.evaluate(
    () => (window as unknown as { __attack: Promise<AttackReport> }).__attack,
  );
  return { report, cookies, framesToEvil, close: () => evilPage.close() };
}

/**
 * The browser's side of the evil page's ticket request: sent once, with alice's cookie
 * (same-site) or without it (cross-site, SameSite=Strict), and unreadable (no CORS).
 */
export function expectTicketRequestUnreadable(
  attack: { report: AttackReport; cookies: CookieRecorder },
  serverOrigin: string,
  variant: (typeof EVIL_PAGE_VARIANTS)[number],
  evilOrigin: string,
): void {
  const sid = attack.cookies.sidCookieOn('POST', `${serverOrigin}/ws-ticket`);
  expect(sid, evilOrigin).toHaveLength(1);
  if (variant.cookie === 'sent') {
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
  expect(attack.report.ticketRequest, evilOrigin).toEqual({ readable: false, error: 'TypeError' });
}

/** The evil page's five sockets: refused before they opened, nothing received. */
export function expectNoSocketOpened(
  attack: { report: AttackReport; framesToEvil: readonly string[] },
  evilOrigin: string,
): void {
  expect(attack.report.sockets, evilOrigin).toHaveLength(5);
  for (const socket of attack.report.sockets) {
    expect(socket, `${evilOrigin}: ${socket.label}`).toEqual({
      label: socket.label,
      opened: false,
      messages: [],
      closeCode: 1006,
    });
  }
  expect(attack.framesToEvil, evilOrigin).toEqual([]);
}

/** After the attacks: alice's page still works (same socket, chat still flows) and bob gets in. */
export async function expectStillServing(
  browser: BrowserHandle,
  sample: AttackedSample,
  alice: DemoPage,
): Promise<void> {
  const bob = await DemoPage.open(await browser.newContext(), sample.origin, { remember: sample.remember });
  await bob.login('bob');
  await bob.join('lobby');
  await alice.say('after the attack');
  await bob.waitForChat('alice', 'after the attack');
  await bob.say('all good here');
  await alice.waitForChat('bob', 'all good here');
  expect(alice.sockets).toHaveLength(1);
  expect(alice.sockets[0]?.closed).toBe(false);
  expect([...alice.pageErrors, ...bob.pageErrors]).toEqual([]);
}
