// The demo page in a real Chromium: two users chat through @wsgate/client, server strings stay
// text (never markup), logout closes the socket, and a screenshot for the humans.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBrowser } from './support/browser.js';
import { expectChatBothWays, expectMarkupShownAsText } from './support/page-checks.js';
import { DemoPage, type Transport } from './support/demo-page.js';
import { SAMPLES, useSample } from './support/lifecycle.js';
import { REPO_ROOT } from 'test-support/sample-process';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'browser-e2e');

const browser = useBrowser();

describe.each(SAMPLES)('%s: demo page', (sampleName) => {
  const sample = useSample(sampleName);

  async function openPage(transport?: Transport): Promise<DemoPage> {
    const context = await browser.newContext();
    return DemoPage.open(context, sample.current.origin, {
      transport,
      remember: (secret) => sample.remember(secret),
    });
  }

  it('serves the page with its CSP, and @wsgate/client from /vendor/wsgate-client/ (only its .js files)', async () => {
    const { request } = await browser.newContext();
    const origin = sample.current.origin;
    const page = await request.get(`${origin}/`);
    expect(page.headers()['content-type']).toMatch(/^text\/html\b/);
    expect(page.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const client = await request.get(`${origin}/vendor/wsgate-client/index.js`);
    expect(client.status()).toBe(200);
    expect(client.headers()['content-type']).toMatch(/^text\/javascript\b/);
    expect(await client.text()).toContain("from './connect.js'");
    for (const path of [
      'index.js.map',
      'index.d.ts',
      '..%2Fpackage.json',
      '..%2F..%2Fesm%2Findex.js',
      '%2E%2E%2Fcjs%2Findex.js',
      'INDEX.js',
      '',
    ]) {
      expect((await request.get(`${origin}/vendor/wsgate-client/${path}`)).status(), path).toBe(404);
    }
  });

  it('alice and bob log in, join the same room and chat both ways, each with the right "from"', async () => {
    // One page per transport: alice's ticket travels in the query, bob's as a subprotocol.
    const alice = await openPage('query');
    const bob = await openPage('subprotocol');
    await alice.login('alice');
    await bob.login('bob');
    await alice.join('lobby');
    await bob.join('lobby');

    await expectChatBothWays(alice, bob);

    await Promise.all([alice.settled(), bob.settled()]);
    expect(alice.handshakes.map((handshake) => handshake.protocols)).toEqual([[]]);
    expect(alice.handshakes[0]?.url).toMatch(/\/ws\?ticket=[\w-]{43}$/);
    expect(bob.handshakes.map((handshake) => handshake.protocols.length)).toEqual([2]);
    expect(bob.handshakes[0]?.protocols[0]).toBe('wsgate');
    expect(bob.handshakes[0]?.url).not.toContain('ticket');
    expect(alice.presentedTickets()).toEqual(alice.issuedTickets);
    expect(bob.presentedTickets()).toEqual(bob.issuedTickets);
    expect([...alice.pageErrors, ...bob.pageErrors]).toEqual([]);
  });

  it('shows HTML-looking chat texts literally: no element created, no script run', async () => {
    const alice = await openPage();
    const bob = await openPage();
    await alice.login('alice');
    await bob.login('bob');
    await expectMarkupShownAsText(alice, bob);
  });

  it('logout: the server closes the socket with 4401 and the page shows it is logged out', async () => {
    const alice = await openPage();
    await alice.login('alice');
    await alice.join('lobby');
    await alice.logout();

    await alice.waitForState('logged-out', 3_000);
    expect(await alice.page.getAttribute('[data-testid="status"]', 'data-close-code')).toBe('4401');
    expect(await alice.page.textContent('[data-testid="status"]')).toContain('4401');
    await alice.waitForLines('system', 'connection closed (4401)', 1);
    expect(alice.sockets).toHaveLength(1);
    expect(alice.sockets[0]?.closed).toBe(true);
    expect(await alice.page.isVisible('[data-testid="login-form"]')).toBe(true);
    expect(await alice.page.isHidden('[data-testid="chat"]')).toBe(true);
    // A logged-out page gets no new socket: no further handshake after the 4401.
    await alice.page.waitForTimeout(500);
    expect(alice.handshakes).toHaveLength(1);
    expect(await alice.stateHistory()).toEqual(['logged-out', 'connecting', 'connected', 'logged-out']);
  });

  it(`saves a screenshot of the logged-in page with chat lines (test-artifacts/browser-e2e/demo-${sampleName}.png)`, async () => {
    const alice = await openPage();
    await alice.login('alice');
    await alice.join('lobby');
    for (const text of [
      'Hi! Every connection uses a fresh, single-use ticket.',
      '<b>and markup stays text</b>',
    ]) {
      await alice.say(text);
      await alice.waitForChat('alice', text);
    }

    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `demo-${sampleName}.png`);
    await alice.page.screenshot({ path, fullPage: true });
    expect((await stat(path)).size).toBeGreaterThan(0);
  });
});
