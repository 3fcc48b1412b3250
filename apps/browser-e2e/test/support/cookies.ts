// Which requests of a page carried the `sid` cookie, and why the browser withheld it when it
// did not (CDP's Network.requestWillBeSentExtraInfo: the cookies considered for each request).
import type { BrowserContext, Page } from 'playwright-core';

export type SidCookieUse =
  { readonly sent: true } | { readonly sent: false; readonly blockedReasons: readonly string[] };

export interface CookieRecorder {
  /** How the `sid` cookie was handled on the requests of `method` to `url`. */
  sidCookieOn(method: string, url: string): SidCookieUse[];
}

/** Starts recording cookie decisions for `page` (call before it navigates). */
export async function recordCookies(context: BrowserContext, page: Page): Promise<CookieRecorder> {
  const cdp = await context.newCDPSession(page);
  const requests = new Map<string, { method: string; url: string }>();
  const decisions = new Map<string, SidCookieUse>();
  // The two events of one request may arrive in either order: joined by requestId when read.
  cdp.on('Network.requestWillBeSent', (event) => {
    requests.set(event.requestId, { method: event.request.method, url: event.request.url });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (event) => {
    const sid = event.associatedCookies.find((entry) => entry.cookie?.name === 'sid');
    if (sid === undefined)
      decisions.set(event.requestId, { sent: false, blockedReasons: ['no sid cookie considered'] });
    else if (sid.blockedReasons.length === 0) decisions.set(event.requestId, { sent: true });
    else decisions.set(event.requestId, { sent: false, blockedReasons: [...sid.blockedReasons] });
  });
  await cdp.send('Network.enable');
  return {
    sidCookieOn(method, url) {
      return [...requests]
        .filter(([, request]) => request.method === method && request.url === url)
        .map(([id]) => decisions.get(id) ?? { sent: false, blockedReasons: ['no cookie information'] });
    },
  };
}
