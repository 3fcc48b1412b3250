// One headless Chromium per spec file (the system's Debian build, never a downloaded one), a
// fresh browser context per test (own cookies, own storage), closed after each test.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Chromium binaries tried in order; `CHROMIUM_PATH` overrides them. */
const CHROMIUM_CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CHROMIUM_CANDIDATES;
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined)
    throw new Error(`no Chromium found (tried ${candidates.join(', ')}); set CHROMIUM_PATH`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

export interface BrowserHandle {
  /** A new, isolated browser context, closed after the current test. */
  newContext(): Promise<BrowserContext>;
}

/** Launches Chromium before the tests of the enclosing block and closes it afterwards. */
export function useBrowser(): BrowserHandle {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    browser = undefined;
  });
  return {
    async newContext() {
      if (browser === undefined) throw new Error('Chromium is not running (did beforeAll fail?)');
      const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
      contexts.push(context);
      return context;
    },
  };
}
