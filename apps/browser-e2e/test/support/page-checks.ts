// Checks both demo-page suites (`ws` and Socket.IO) make through the page's UI.
import { expect } from 'vitest';
import type { DemoPage } from './demo-page.js';

/** Chat texts that would run script if the page ever treated server data as HTML. */
export const XSS_TEXTS = ['<img src=x onerror="window.__xss=1">', '<script>window.__xss=1</script>'];

/**
 * alice and bob, logged in on their pages, join one room; alice says each of {@link XSS_TEXTS}:
 * both pages show them literally, with no element created and no script run.
 */
export async function expectMarkupShownAsText(alice: DemoPage, bob: DemoPage): Promise<void> {
  await alice.join('xss');
  await bob.join('xss');
  for (const text of XSS_TEXTS) {
    await alice.say(text);
    await bob.waitForChat('alice', text);
    await alice.waitForChat('alice', text);
  }
  // Give a late onerror/script every chance to run before looking.
  await bob.page.waitForTimeout(200);
  for (const demo of [alice, bob]) {
    expect(await demo.chatLines()).toEqual(XSS_TEXTS.map((text) => ({ from: 'alice', text })));
    expect(await demo.page.locator('#log img, #log script').count()).toBe(0);
    expect(await demo.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(demo.pageErrors).toEqual([]);
  }
}

/** alice and bob, in the same room, say one line each: both see both lines, in order, each with the right "from". */
export async function expectChatBothWays(alice: DemoPage, bob: DemoPage): Promise<void> {
  await alice.say('hello bob');
  await bob.waitForChat('alice', 'hello bob');
  await alice.waitForChat('alice', 'hello bob');
  await bob.say('hi alice');
  await alice.waitForChat('bob', 'hi alice');
  await bob.waitForChat('bob', 'hi alice');

  const expected = [
    { from: 'alice', text: 'hello bob' },
    { from: 'bob', text: 'hi alice' },
  ];
  expect(await alice.chatLines()).toEqual(expected);
  expect(await bob.chatLines()).toEqual(expected);
}
