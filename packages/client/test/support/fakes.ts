// In-memory fakes for unit tests: a WebSocket the test drives by hand, a ticket endpoint that
// always issues a fresh ticket, and timers that record their delays and run only when asked.
import type { FetchLike, TimerFunctions, WebSocketLike } from '../../src/index.js';
import { until } from './helpers.js';

type Handler = ((event: never) => void) | null;

/** A WebSocket that does nothing by itself: the test opens it, feeds it frames and closes it. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  send(data: string): void {
    this.sent.push(data);
  }

  close(code = 1005, reason = ''): void {
    this.serverClose(code, reason);
  }

  /** The handshake succeeded. */
  open(): void {
    this.readyState = 1;
    (this.onopen as ((event: unknown) => void) | null)?.({});
  }

  /** The server sent `data` (a string for a text frame). */
  receive(data: unknown): void {
    (this.onmessage as ((event: unknown) => void) | null)?.({ data });
  }

  /** The connection closed with `code`. */
  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    (this.onclose as ((event: unknown) => void) | null)?.({ code, reason });
  }
}

/** Timers that record every delay and run a callback only when the test says so. */
export class ManualTimers implements TimerFunctions {
  readonly delays: number[] = [];
  readonly #pending = new Map<number, () => void>();
  #next = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    this.delays.push(ms);
    this.#next += 1;
    this.#pending.set(this.#next, callback);
    return this.#next;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Runs every pending callback (as if their delays had passed). */
  runAll(): void {
    const callbacks = [...this.#pending.values()];
    this.#pending.clear();
    for (const callback of callbacks) callback();
  }
}

/** Everything `connect()` needs, faked: pass `options` to `connect()`, drive `sockets`. */
export interface FakeStack {
  readonly sockets: FakeSocket[];
  readonly timers: ManualTimers;
  readonly options: {
    ticketUrl: string;
    url: string;
    WebSocket: new (url: string, protocols?: string | string[]) => FakeSocket;
    fetch: FetchLike;
  };
  /** Waits for socket number `index` (0-based) to be created and returns it. */
  socket(index: number): Promise<FakeSocket>;
  /** Waits for the next socket, opens it and returns it. */
  openNext(): Promise<FakeSocket>;
}

export function fakeStack(): FakeStack {
  const sockets: FakeSocket[] = [];
  let tickets = 0;
  const stack: FakeStack = {
    sockets,
    timers: new ManualTimers(),
    options: {
      ticketUrl: 'https://app.example/ws-ticket',
      url: 'wss://app.example/ws',
      WebSocket: class extends FakeSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols);
          sockets.push(this);
        }
      },
      fetch: async () => {
        tickets += 1;
        return { ok: true, status: 200, json: async () => ({ ticket: `ticket-${tickets}` }) };
      },
    },
    async socket(index) {
      await until(() => sockets.length > index);
      return sockets[index]!;
    },
    async openNext() {
      const socket = await stack.socket(sockets.filter((s) => s.readyState !== 0).length);
      socket.open();
      return socket;
    },
  };
  return stack;
}
