// The socket.io-client helper's loop, with a fake socket, a fake ticket endpoint and hand-driven
// timers: one fresh ticket per attempt, backoff, stops, payloads as data. Its run against a real
// secured Socket.IO server is in packages/socket.io/test/client-helper.spec.ts.
import { EventEmitter } from 'node:events';
import { io as realIo, type Socket } from 'socket.io-client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  connectSocketIo,
  type WsGateClientError,
  type SocketIoConnectOptions,
  type SocketIoStopInfo,
  type TicketResponseLike,
  type WsGateSocketIoClient,
} from '../src/socket.io/index.js';

class FakeSocket extends EventEmitter {
  connected = false;
  readonly io = { opts: { query: {} as unknown } };
  readonly connects: unknown[] = [];
  disconnects = 0;

  constructor(
    readonly url: string,
    readonly options: Record<string, unknown>,
  ) {
    super();
    this.io.opts.query = options['query'];
  }

  connect(): this {
    this.connects.push(this.io.opts.query);
    return this;
  }

  disconnect(): this {
    this.disconnects += 1;
    if (this.connected) this.drop('io client disconnect');
    return this;
  }

  /** The server accepted the handshake. */
  accept(): void {
    this.connected = true;
    this.emit('connect');
  }

  /** The handshake failed. */
  refuse(): void {
    this.emit('connect_error', new Error('websocket error'));
  }

  drop(reason: string): void {
    this.connected = false;
    this.emit('disconnect', reason);
  }
}

/** Timers the test fires by hand. */
class ManualTimers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 0;
  setTimeout = (callback: () => void, ms: number): unknown => {
    this.next += 1;
    this.pending.set(this.next, { callback, ms });
    return this.next;
  };
  clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };
  fire(): number {
    const [first] = this.pending;
    if (first === undefined) throw new Error('no timer pending');
    this.pending.delete(first[0]);
    first[1].callback();
    return first[1].ms;
  }
}

type Answer = { status: number; body?: unknown } | Error;

/** A ticket endpoint answering from a script (then T1, T2... once the script is used up). */
function ticketEndpoint(script: Answer[] = []) {
  const requests: RequestInit[] = [];
  let issued = 0;
  const fetch = async (_url: string, init: RequestInit): Promise<TicketResponseLike> => {
    requests.push(init);
    const answer = script.shift() ?? { status: 200, body: { ticket: `T${(issued += 1)}` } };
    if (answer instanceof Error) throw answer;
    return { ok: answer.status < 300, status: answer.status, json: async () => answer.body };
  };
  return { fetch, requests };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(overrides: Partial<SocketIoConnectOptions<FakeSocket>> = {}, script: Answer[] = []) {
  const timers = new ManualTimers();
  const endpoint = ticketEndpoint(script);
  let socket: FakeSocket | undefined;
  const client = connectSocketIo<FakeSocket>({
    io: (url, options) => (socket = new FakeSocket(url, options)),
    url: 'https://app.example.com/chat',
    ticketUrl: '/ws-ticket',
    fetch: endpoint.fetch,
    reconnect: { initialDelayMs: 100, random: () => 0.5, timers },
    ...overrides,
  });
  const stops: SocketIoStopInfo[] = [];
  const states: string[] = [];
  const errors: string[] = [];
  client.on('stopped', (info) => stops.push(info));
  client.on('state', (state) => states.push(state));
  client.on('error', (error) => errors.push(error.code));
  return { client, socket: socket!, timers, endpoint, stops, states, errors };
}

describe('connectSocketIo', () => {
  it('creates one socket with its own reconnection off, and connects with a fresh ticket in the query', async () => {
    const { socket, endpoint, client } = setup({
      socketOptions: { path: '/rt', query: { room: 'x' }, auth: { token: 'kept' } },
      fetchInit: { headers: { 'x-csrf': '1' } },
    });
    expect(socket.url).toBe('https://app.example.com/chat');
    expect(socket.options).toEqual({
      transports: ['websocket'],
      path: '/rt',
      auth: { token: 'kept' },
      query: { room: 'x' },
      reconnection: false,
      autoConnect: false,
      forceNew: true,
    });
    await flush();
    expect(endpoint.requests).toEqual([
      expect.objectContaining({ method: 'POST', credentials: 'include', headers: { 'x-csrf': '1' } }),
    ]);
    expect(socket.connects).toEqual([{ room: 'x', ticket: 'T1' }]);
    socket.accept();
    expect(client.state).toBe('open');
    // Spent: not kept where a later reconnection could present it again.
    expect(socket.io.opts.query).toEqual({ room: 'x' });
  });

  it('reconnects after a transport close with backoff and a new ticket each time', async () => {
    const { socket, timers, states, client } = setup();
    const retries: unknown[] = [];
    client.on('retry', (info) => retries.push(info));
    await flush();
    socket.accept();
    for (const reason of ['transport close', 'ping timeout', 'transport error']) {
      socket.drop(reason);
      expect(client.state).toBe('reconnecting');
      timers.fire();
      await flush();
      socket.accept();
    }
    expect(socket.connects.map((query) => (query as { ticket: string }).ticket)).toEqual([
      'T1',
      'T2',
      'T3',
      'T4',
    ]);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 50 },
      { attempt: 1, delayMs: 50 },
      { attempt: 1, delayMs: 50 },
    ]);
    expect(states).toEqual(['open', 'reconnecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open']);
  });

  it('stops after a server-side disconnect that followed exception UNAUTHENTICATED, and asks for no more tickets', async () => {
    const { socket, endpoint, stops, timers, client } = setup();
    await flush();
    socket.accept();
    socket.emit('exception', { code: 'UNAUTHENTICATED', message: 'logged out' });
    socket.drop('io server disconnect');
    expect(stops).toEqual([{ reason: 'unauthenticated', code: 'UNAUTHENTICATED' }]);
    expect(client.state).toBe('closed');
    expect(timers.pending.size).toBe(0);
    await flush();
    expect(endpoint.requests).toHaveLength(1);
  });

  it.each([
    [{ code: 'FORBIDDEN' }, { reason: 'forbidden', code: 'FORBIDDEN' }],
    [{ code: 'RATE_LIMITED' }, { reason: 'server-disconnect', code: 'RATE_LIMITED' }],
    [{ code: 42 }, { reason: 'server-disconnect' }],
    ['UNAUTHENTICATED', { reason: 'server-disconnect' }],
    [{ code: 'toString' }, { reason: 'server-disconnect', code: 'toString' }],
  ])('reads an exception %j as data only', async (payload, stop) => {
    const { socket, stops } = setup();
    await flush();
    socket.accept();
    socket.emit('exception', payload);
    socket.drop('io server disconnect');
    expect(stops).toEqual([stop]);
  });

  it('after a failed handshake asks the ticket endpoint: 401 stops, 200 retries (that ticket is never presented)', async () => {
    const refused = setup({}, [{ status: 200, body: { ticket: 'A' } }, { status: 401 }]);
    await flush();
    refused.socket.refuse();
    await flush();
    expect(refused.stops).toEqual([{ reason: 'unauthenticated', statusCode: 401 }]);
    expect(refused.errors).toEqual(['WSGATE_CLIENT_CONNECTION_FAILED']);

    const retried = setup({}, [
      { status: 200, body: { ticket: 'A' } },
      { status: 200, body: { ticket: 'PROBE' } },
    ]);
    await flush();
    retried.socket.refuse();
    await flush();
    expect(retried.client.state).toBe('reconnecting');
    retried.timers.fire();
    await flush();
    expect(retried.socket.connects.map((query) => (query as { ticket: string }).ticket)).toEqual(['A', 'T1']);
  });

  it('stops on a 403 from the ticket endpoint before connecting at all', async () => {
    const { socket, stops } = setup({}, [{ status: 403 }]);
    await flush();
    expect(stops).toEqual([{ reason: 'forbidden', statusCode: 403 }]);
    expect(socket.connects).toEqual([]);
  });

  it('gives up after maxAttempts failures in a row', async () => {
    const timers = new ManualTimers();
    const { stops, errors } = setup(
      { reconnect: { initialDelayMs: 100, random: () => 0.5, maxAttempts: 2, timers } },
      [{ status: 503 }, new TypeError('offline'), { status: 200, body: {} }],
    );
    await flush();
    timers.fire();
    await flush();
    timers.fire();
    await flush();
    expect(errors).toEqual([
      'WSGATE_CLIENT_TICKET_REQUEST_FAILED',
      'WSGATE_CLIENT_TICKET_REQUEST_FAILED',
      'WSGATE_CLIENT_TICKET_RESPONSE_INVALID',
    ]);
    expect(stops).toEqual([{ reason: 'retries-exhausted' }]);
  });

  it('close() stops for good: no retry pending, socket disconnected, later events ignored', async () => {
    const { socket, client, stops, timers } = setup();
    await flush();
    socket.accept();
    socket.drop('transport close');
    expect(timers.pending.size).toBe(1);
    client.close();
    expect(timers.pending.size).toBe(0);
    expect(socket.disconnects).toBe(1);
    socket.accept();
    expect(stops).toEqual([{ reason: 'client' }]);
    expect(client.state).toBe('closed');
  });

  it('treats the app disconnecting the socket itself as a close', async () => {
    const { socket, stops } = setup();
    await flush();
    socket.accept();
    socket.disconnect();
    expect(stops).toEqual([{ reason: 'client' }]);
  });

  it.each<[string, Partial<SocketIoConnectOptions<FakeSocket>>]>([
    ['no io function', { io: undefined as never }],
    ['an empty url', { url: '' }],
    ['no ticketUrl', { ticketUrl: undefined as never }],
    ['reconnection in socketOptions', { socketOptions: { reconnection: true } }],
    ['autoConnect in socketOptions', { socketOptions: { autoConnect: true } }],
    ['a ticket in the query', { socketOptions: { query: { ticket: 'x' } } }],
    ['a bad backoff', { reconnect: { initialDelayMs: -1 } }],
    ['an empty queryParam', { queryParam: '' }],
  ])('throws WSGATE_CLIENT_INVALID_OPTION for %s', (_case, overrides) => {
    expect(() => setup(overrides)).toThrow(
      expect.objectContaining({
        name: 'WsGateClientError',
        code: 'WSGATE_CLIENT_INVALID_OPTION',
      }) as WsGateClientError,
    );
  });

  it("types the socket as socket.io-client's", () => {
    const typed = (): WsGateSocketIoClient<Socket> =>
      connectSocketIo({ io: realIo, url: 'https://app.example.com', ticketUrl: '/ws-ticket' });
    expectTypeOf(typed).returns.toEqualTypeOf<WsGateSocketIoClient<Socket>>();
  });
});
