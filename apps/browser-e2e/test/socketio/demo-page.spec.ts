// The Socket.IO sample's demo page in a real Chromium: the shared page with its Socket.IO
// transport (socket.io-client through @wsgate/client/socket.io). Two users chat, server strings
// stay text, each connection presents a fresh ticket in the handshake query, and logout ends
// the connection (exception UNAUTHENTICATED, then a server-side disconnect).
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.js';
import { expectChatBothWays, expectMarkupShownAsText } from '../support/page-checks.js';
import { DemoPage } from '../support/demo-page.js';
import { useSample } from '../support/lifecycle.js';

const SAMPLE = 'nestjs-socketio-sample';

/** Whether a handshake URL is an Engine.IO 4 WebSocket handshake at /socket.io/ with one ticket. */
function isSocketIoHandshake(url: string): boolean {
  const { pathname, searchParams } = new URL(url);
  return (
    pathname === '/socket.io/' &&
    searchParams.get('EIO') === '4' &&
    searchParams.get('transport') === 'websocket' &&
    searchParams.getAll('ticket').length === 1 &&
    /^[\w-]{43}$/.test(searchParams.get('ticket') ?? '')
  );
}

const browser = useBrowser();

describe(`${SAMPLE}: demo page`, () => {
  const sample = useSample(SAMPLE);

  async function openPage(): Promise<DemoPage> {
    return DemoPage.open(await browser.newContext(), sample.current.origin, {
      remember: (secret) => sample.remember(secret),
    });
  }

  it('serves the page with its CSP, the Socket.IO transport and its client builds (only their .js files)', async () => {
    const { request } = await browser.newContext();
    const origin = sample.current.origin;
    const page = await request.get(`${origin}/`);
    expect(page.headers()['content-security-policy']).toContain("script-src 'self'");
    const transport = await request.get(`${origin}/chat-transport.js`);
    expect(transport.headers()['content-type']).toMatch(/^text\/javascript\b/);
    expect(await transport.text()).toContain("from '/vendor/wsgate-client/socket.io/index.js'");
    const helper = await request.get(`${origin}/vendor/wsgate-client/socket.io/index.js`);
    expect(await helper.text()).toContain("from './connect-socket-io.js'");
    const client = await request.get(`${origin}/vendor/socket.io-client/socket.io.esm.min.js`);
    expect(client.status()).toBe(200);
    expect(client.headers()['content-security-policy']).toContain("script-src 'self'");
    for (const path of [
      'vendor/socket.io-client/socket.io.esm.min.js.map',
      'vendor/socket.io-client/socket.io.js',
      'vendor/socket.io-client/..%2Fpackage.json',
      'vendor/wsgate-client/socket.io/index.d.ts',
      'vendor/wsgate-client/socket.io/..%2F..%2Fcjs%2Findex.js',
    ]) {
      expect((await request.get(`${origin}/${path}`)).status(), path).toBe(404);
    }
    // Socket.IO's own copy of its client is not served (serveClient: false): not an Engine.IO request.
    expect((await request.get(`${origin}/socket.io/socket.io.js`)).status()).toBe(400);
  });

  it('alice and bob log in, join the same room and chat both ways, each with the right "from"', async () => {
    const alice = await openPage();
    const bob = await openPage();
    await alice.login('alice');
    await bob.login('bob');
    expect(await alice.page.textContent('[data-testid="transport"]')).toBe('socket.io');
    await alice.join('lobby');
    await bob.join('lobby');

    await expectChatBothWays(alice, bob);

    await Promise.all([alice.settled(), bob.settled()]);
    for (const demo of [alice, bob]) {
      expect(demo.handshakes).toHaveLength(1);
      expect(isSocketIoHandshake(demo.handshakes[0]?.url ?? ''), demo.handshakes[0]?.url).toBe(true);
      expect(demo.handshakes[0]?.protocols).toEqual([]);
      expect(demo.presentedTickets()).toEqual(demo.issuedTickets);
      expect(demo.pageErrors).toEqual([]);
    }
  });

  it('shows HTML-looking chat texts literally: no element created, no script run', async () => {
    const alice = await openPage();
    const bob = await openPage();
    await alice.login('alice');
    await bob.login('bob');
    await expectMarkupShownAsText(alice, bob);
  });

  it('shows a refused event (an invalid room name) as an error line, the connection kept', async () => {
    const bob = await openPage();
    await bob.login('bob');
    await bob.join('lobby');
    await bob.page.evaluate(() => {
      const form = document.getElementById('join-form') as HTMLFormElement;
      (document.getElementById('room') as HTMLInputElement).value = 'Not A Room';
      form.noValidate = true; // past the page's own check: the server's is the one that counts
      form.requestSubmit();
    });
    await bob.page.waitForSelector('#log [data-testid="error-line"]');
    expect(await bob.page.textContent('#log [data-testid="error-line"]')).toMatch(/^VALIDATION_FAILED: /);
    await bob.say('still here');
    await bob.waitForChat('bob', 'still here');
  });

  it('logout: the server disconnects the socket after an exception UNAUTHENTICATED, the page shows it is logged out', async () => {
    const alice = await openPage();
    await alice.login('alice');
    await alice.join('lobby');
    await alice.logout();

    await alice.waitForState('logged-out', 3_000);
    expect(await alice.page.getAttribute('[data-testid="status"]', 'data-close-code')).toBe(
      'UNAUTHENTICATED',
    );
    expect(await alice.page.textContent('[data-testid="status"]')).toContain('UNAUTHENTICATED');
    await alice.waitForLines('system', 'connection closed (UNAUTHENTICATED)', 1);
    expect(alice.sockets).toHaveLength(1);
    expect(alice.sockets[0]?.closed).toBe(true);
    expect(await alice.page.isVisible('[data-testid="login-form"]')).toBe(true);
    // A logged-out page gets no new connection: no further handshake.
    await alice.page.waitForTimeout(500);
    expect(alice.handshakes).toHaveLength(1);
    expect(await alice.stateHistory()).toEqual(['logged-out', 'connecting', 'connected', 'logged-out']);
  });
});
