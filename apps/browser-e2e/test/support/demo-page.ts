// Drives the demo page (apps/fastify-sample/src/public) through its UI, the way a user would,
// and records what crossed the wire: every ticket the page received from POST /ws-ticket
// (page.on('response')), every WebSocket it opened (page.on('websocket')) and every handshake
// it sent, with the ticket read from the URL or the Sec-WebSocket-Protocol header (CDP, since
// Playwright does not expose handshake headers).
import type { BrowserContext, CDPSession, Page, WebSocket as PlaywrightWebSocket } from 'playwright-core';
import { isRecord } from 'test-support/json';
import { DEMO_USERS, type DemoUserName } from 'test-support/demo-users';

export type Transport = 'subprotocol' | 'query';
export type PageState = 'logged-out' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

const TICKET_PREFIX = 'wsgate.ticket.';

/** One WebSocket handshake the page sent. */
export interface Handshake {
  readonly url: string;
  /** `Sec-WebSocket-Protocol` entries, in order. */
  readonly protocols: readonly string[];
  /** The ticket presented, from `?ticket=` or `wsgate.ticket.<ticket>`. */
  readonly ticket: string | undefined;
}

/** One WebSocket as Playwright saw it. */
export interface SocketRecord {
  readonly url: string;
  readonly received: string[];
  closed: boolean;
}

export interface ChatLine {
  readonly from: string;
  readonly text: string;
}

/** The ticket a handshake presents (query or subprotocol), if any. */
export function presentedTicket(url: string, protocols: readonly string[]): string | undefined {
  const fromQuery = new URL(url).searchParams.get('ticket');
  if (fromQuery !== null) return fromQuery;
  return protocols.find((protocol) => protocol.startsWith(TICKET_PREFIX))?.slice(TICKET_PREFIX.length);
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  const key = Object.keys(headers).find((header) => header.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return typeof value === 'string' ? value : undefined;
}

export class DemoPage {
  /** Tickets the page received (200 answers of POST /ws-ticket), in order. */
  readonly issuedTickets: string[] = [];
  /** Handshakes the page sent, in order. */
  readonly handshakes: Handshake[] = [];
  /** WebSockets the page opened (page.on('websocket')), in order. */
  readonly sockets: SocketRecord[] = [];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly socketUrls = new Map<string, string>();

  private constructor(
    readonly page: Page,
    private readonly remember: (secret: string) => void,
  ) {}

  /**
   * Opens the demo page of the sample at `origin` in `context`. `remember` receives every ticket
   * the page is issued (the suite checks none of them ever appears in the server's logs).
   */
  static async open(
    context: BrowserContext,
    origin: string,
    options: { transport?: Transport; remember: (secret: string) => void },
  ): Promise<DemoPage> {
    const page = await context.newPage();
    const demo = new DemoPage(page, options.remember);
    await demo.record(await context.newCDPSession(page));
    await page.goto(options.transport === 'query' ? `${origin}/?transport=query` : `${origin}/`);
    await demo.recordStates();
    return demo;
  }

  private async record(cdp: CDPSession): Promise<void> {
    this.page.on('pageerror', (error) => this.pageErrors.push(error.message));
    this.page.on('response', (response) => {
      if (new URL(response.url()).pathname !== '/ws-ticket' || response.status() !== 200) return;
      this.pending.push(
        response.json().then((body: unknown) => {
          if (isRecord(body) && typeof body['ticket'] === 'string') {
            this.issuedTickets.push(body['ticket']);
            this.remember(body['ticket']);
          }
        }),
      );
    });
    this.page.on('websocket', (socket: PlaywrightWebSocket) => {
      const record: SocketRecord = { url: socket.url(), received: [], closed: false };
      this.sockets.push(record);
      socket.on('framereceived', (frame) => record.received.push(String(frame.payload)));
      socket.on('close', () => {
        record.closed = true;
      });
    });
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketCreated', (event) => this.socketUrls.set(event.requestId, event.url));
    cdp.on('Network.webSocketWillSendHandshakeRequest', (event) => {
      const url = this.socketUrls.get(event.requestId) ?? '';
      const protocols = (headerValue(event.request.headers, 'sec-websocket-protocol') ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
      this.handshakes.push({ url, protocols, ticket: presentedTicket(url, protocols) });
    });
  }

  /** Keeps the sequence of `#status[data-state]` values in `window.__states`. */
  private async recordStates(): Promise<void> {
    await this.page.evaluate(() => {
      const status = document.getElementById('status')!;
      const states: string[] = [status.dataset.state ?? ''];
      const push = (state: string | null | undefined) => {
        if (state && states[states.length - 1] !== state) states.push(state);
      };
      new MutationObserver((records) => {
        // Several changes within one task arrive together: replay them from their old values.
        records.slice(1).forEach((record) => push(record.oldValue));
        push(status.dataset.state);
      }).observe(status, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
      (window as unknown as { __states: string[] }).__states = states;
    });
  }

  /** Every `#status[data-state]` the page went through since it loaded. */
  async stateHistory(): Promise<string[]> {
    return this.page.evaluate(() => [...(window as unknown as { __states: string[] }).__states]);
  }

  /** Waits until the ticket responses seen so far are parsed. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Tickets presented in handshakes, in order. */
  presentedTickets(): string[] {
    return this.handshakes.map((handshake) => handshake.ticket).filter((ticket) => ticket !== undefined);
  }

  async state(): Promise<string | undefined> {
    return (await this.page.getAttribute('[data-testid="status"]', 'data-state')) ?? undefined;
  }

  async waitForState(state: PageState, timeoutMs = 10_000): Promise<void> {
    await this.page.waitForSelector(`[data-testid="status"][data-state="${state}"]`, { timeout: timeoutMs });
  }

  /** Logs in through the form (the page then connects by itself). */
  async submitLogin(user: DemoUserName): Promise<void> {
    await this.page.fill('[data-testid="username"]', DEMO_USERS[user].id);
    await this.page.fill('[data-testid="password"]', DEMO_USERS[user].password);
    await this.page.click('[data-testid="login"]');
  }

  /** Logs in and waits until the page's socket is open and welcomed as `user`. */
  async login(user: DemoUserName): Promise<void> {
    await this.submitLogin(user);
    await this.waitForState('connected');
    await this.page.waitForSelector(`[data-testid="status"][data-user="${DEMO_USERS[user].id}"]`);
  }

  /** Joins `room` and waits for the server's `joined`. */
  async join(room: string): Promise<void> {
    const before = await this.countLines('system', `joined ${room}`);
    await this.page.fill('[data-testid="room"]', room);
    await this.page.click('[data-testid="join"]');
    await this.waitForLines('system', `joined ${room}`, before + 1);
  }

  /** Types `text` into the chat box and sends it. */
  async say(text: string): Promise<void> {
    await this.page.fill('[data-testid="text"]', text);
    await this.page.click('[data-testid="send"]');
  }

  /** Waits until a chat line from `from` with exactly `text` is shown. */
  async waitForChat(from: string, text: string, timeoutMs = 10_000): Promise<void> {
    await this.page.waitForFunction(
      ([expectedFrom, expectedText]) =>
        Array.from(document.querySelectorAll<HTMLElement>('#log [data-testid="chat-line"]')).some(
          (line) =>
            line.querySelector('[data-testid="line-from"]')?.textContent === expectedFrom &&
            line.querySelector('[data-testid="line-text"]')?.textContent === expectedText,
        ),
      [from, text] as const,
      { timeout: timeoutMs },
    );
  }

  /** The chat lines shown, as text (from the DOM's textContent). */
  async chatLines(): Promise<ChatLine[]> {
    return this.page.$$eval('#log [data-testid="chat-line"]', (lines) =>
      lines.map((line) => ({
        from: line.querySelector('[data-testid="line-from"]')?.textContent ?? '',
        text: line.querySelector('[data-testid="line-text"]')?.textContent ?? '',
      })),
    );
  }

  async countLines(kind: 'system' | 'chat' | 'error', text: string): Promise<number> {
    return this.page.$$eval(
      `#log [data-testid="${kind}-line"] [data-testid="line-text"]`,
      (spans, expected) => spans.filter((span) => span.textContent === expected).length,
      text,
    );
  }

  async waitForLines(kind: 'system' | 'chat' | 'error', text: string, count: number): Promise<void> {
    await this.page.waitForFunction(
      ([selector, expected, wanted]) =>
        Array.from(document.querySelectorAll(selector)).filter((span) => span.textContent === expected)
          .length >= wanted,
      [`#log [data-testid="${kind}-line"] [data-testid="line-text"]`, text, count] as const,
    );
  }

  async logout(): Promise<void> {
    await this.page.click('[data-testid="logout"]');
  }
}
