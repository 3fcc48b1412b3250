import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CloseCode,
  createConnectionSupervisor,
  WsGateConfigError,
  type ConnectionSupervisor,
  type SendableSocket,
  type SessionStatus,
  type SupervisionOptions,
  type TicketClaims,
} from '../src/index.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A socket double: records pings, sends and closes; `answerPings` makes it pong like a live peer. */
class FakeSocket implements SendableSocket {
  readyState = OPEN;
  bufferedAmount = 0;
  pings = 0;
  terminated = false;
  readonly sent: string[] = [];
  readonly closes: { code: number | undefined; reason: string | undefined }[] = [];
  private readonly listeners = new Map<string, (() => void)[]>();

  constructor(private readonly answerPings: boolean) {}

  on(event: 'pong' | 'close', listener: () => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: 'pong' | 'close'): void {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  ping(): void {
    this.pings += 1;
    // A live peer's pong arrives a little later, never inside the ping call.
    if (this.answerPings) queueMicrotask(() => this.emit('pong'));
  }

  terminate(): void {
    this.terminated = true;
    this.disconnect();
  }

  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
  }

  send(data: string): void {
    this.sent.push(data);
  }

  /** The socket has gone: `ws` emits `close` once. */
  disconnect(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close');
  }
}

/**
 * Supervises a socket the way the adapters wire a `ws` socket: ping only while open, pongs and
 * the close event forwarded. Returns the claims updates it received.
 */
function watch(
  supervisor: ConnectionSupervisor,
  socket: FakeSocket,
  sessionCheck?: () => SessionStatus | Promise<SessionStatus>,
): TicketClaims[] {
  const claims: TicketClaims[] = [];
  const supervision = supervisor.supervise(
    {
      close: (code, reason) => socket.close(code, reason),
      terminate: () => socket.terminate(),
      ping: () => {
        if (socket.readyState === OPEN) socket.ping();
      },
    },
    { sessionCheck, onClaims: (update) => claims.push(update) },
  );
  socket.on('pong', () => supervision.pong());
  socket.on('close', () => supervision.stop());
  return claims;
}

const quiet: SupervisionOptions = { heartbeatIntervalMs: 0, sessionCheckIntervalMs: 0, maxLifetimeMs: 0 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('heartbeat', () => {
  it('terminates a peer that did not answer the previous ping', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, heartbeatIntervalMs: 1_000 });
    const silent = new FakeSocket(false);
    watch(supervisor, silent);
    await vi.advanceTimersByTimeAsync(999);
    expect(silent.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(silent.pings).toBe(1);
    expect(silent.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(silent.terminated).toBe(true);
    expect(silent.pings).toBe(1);
    // Its timers stopped with the close.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a peer that answers every ping', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, heartbeatIntervalMs: 1_000 });
    const live = new FakeSocket(true);
    watch(supervisor, live);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(live.pings).toBe(10);
    expect(live.terminated).toBe(false);
    expect(live.closes).toEqual([]);
  });

  it('terminates a peer that stops answering, one interval after the unanswered ping', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, heartbeatIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    watch(supervisor, socket);
    await vi.advanceTimersByTimeAsync(3_000);
    (socket as unknown as { answerPings: boolean }).answerPings = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.terminated).toBe(true);
  });

  it('does not ping a socket that is not open (yet), and terminates it if it never opens', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, heartbeatIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    socket.readyState = CONNECTING;
    watch(supervisor, socket);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.terminated).toBe(true);
  });

  it('supervises many sockets at once: only the silent one is terminated, and the timer stops with the last socket', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, heartbeatIntervalMs: 1_000 });
    const live = [new FakeSocket(true), new FakeSocket(true)];
    const silent = new FakeSocket(false);
    watch(supervisor, live[0]!);
    await vi.advanceTimersByTimeAsync(500);
    // Joining mid-interval still leaves a full interval to answer the first ping.
    watch(supervisor, silent);
    watch(supervisor, live[1]!);
    await vi.advanceTimersByTimeAsync(500);
    expect(silent.pings).toBe(1);
    expect(silent.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(silent.terminated).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(live.map((socket) => socket.terminated)).toEqual([false, false]);
    expect(live[1]!.pings).toBe(7);

    live[0]!.disconnect();
    expect(vi.getTimerCount()).toBe(1);
    live[1]!.disconnect();
    expect(vi.getTimerCount()).toBe(0);
    // A socket supervised after that starts the heartbeat again.
    const late = new FakeSocket(false);
    watch(supervisor, late);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(late.terminated).toBe(true);
  });

  it('heartbeatIntervalMs 0 disables the heartbeat', async () => {
    const supervisor = createConnectionSupervisor(quiet);
    const socket = new FakeSocket(false);
    watch(supervisor, socket);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(socket.pings).toBe(0);
    expect(socket.terminated).toBe(false);
  });

  it('pings every 30 s by default', async () => {
    const supervisor = createConnectionSupervisor();
    const socket = new FakeSocket(true);
    watch(supervisor, socket);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(socket.pings).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.pings).toBe(1);
  });
});

describe('maximum lifetime', () => {
  it('closes the connection with 4000 (re-authenticate) once maxLifetimeMs has passed', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, maxLifetimeMs: 5_000 });
    const socket = new FakeSocket(true);
    watch(supervisor, socket);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(socket.closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closes).toEqual([
      { code: CloseCode.Reauthenticate, reason: 'connection lifetime reached' },
    ]);
    expect(CloseCode.Reauthenticate).toBe(4000);
  });

  it('is off by default, and its timer stops when the socket closes first', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, maxLifetimeMs: 5_000 });
    const socket = new FakeSocket(true);
    watch(supervisor, socket);
    socket.disconnect();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.closes).toEqual([]);

    const unlimited = new FakeSocket(true);
    watch(createConnectionSupervisor({ heartbeatIntervalMs: 0, sessionCheckIntervalMs: 0 }), unlimited);
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(unlimited.closes).toEqual([]);
  });
});

describe('session re-check', () => {
  it('closes with 4401 once the session is no longer active', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    let active = true;
    const isSessionActive = vi.fn(() => active);
    watch(supervisor, socket, isSessionActive);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(isSessionActive).toHaveBeenCalledTimes(3);
    expect(socket.closes).toEqual([]);
    active = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.closes).toEqual([{ code: CloseCode.Unauthorized, reason: 'session ended' }]);
  });

  it('closes only the sockets whose session ended', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const ended = new Set<string>();
    const sockets = new Map(['laptop', 'phone', 'tablet'].map((session) => [session, new FakeSocket(true)]));
    for (const [session, socket] of sockets) watch(supervisor, socket, () => !ended.has(session));
    await vi.advanceTimersByTimeAsync(1_000);
    ended.add('phone');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets.get('phone')!.closes).toEqual([{ code: 4401, reason: 'session ended' }]);
    expect(sockets.get('laptop')!.closes).toEqual([]);
    expect(sockets.get('tablet')!.closes).toEqual([]);
  });

  it('hands updated claims to the connection, and keeps it open', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    let roles = ['admin'];
    const claims = watch(supervisor, socket, () => ({ claims: { roles } }));
    await vi.advanceTimersByTimeAsync(1_000);
    roles = ['member'];
    await vi.advanceTimersByTimeAsync(1_000);
    expect(claims).toEqual([{ roles: ['admin'] }, { roles: ['member'] }]);
    expect(socket.closes).toEqual([]);
  });

  it('accepts an async check', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    watch(supervisor, socket, async () => false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.closes).toEqual([{ code: 4401, reason: 'session ended' }]);
  });

  it('keeps the socket when the check throws or rejects (store down), and closes once it answers false', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    const answers: (() => boolean | Promise<boolean>)[] = [
      () => {
        throw new Error('store down');
      },
      () => Promise.reject(new Error('store down')),
      () => true,
      () => false,
    ];
    let call = 0;
    watch(supervisor, socket, () => answers[Math.min(call++, answers.length - 1)]!());
    await vi.advanceTimersByTimeAsync(3_000);
    expect(call).toBe(3);
    expect(socket.closes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.closes).toEqual([{ code: 4401, reason: 'session ended' }]);
  });

  it('starts no new check while the previous one is still pending (a hung session store)', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const socket = new FakeSocket(true);
    let settle: ((active: boolean) => void) | undefined;
    const isSessionActive = vi.fn(
      () =>
        new Promise<boolean>((resolve) => {
          settle = resolve;
        }),
    );
    watch(supervisor, socket, isSessionActive);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(isSessionActive).toHaveBeenCalledTimes(1);
    settle!(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(isSessionActive).toHaveBeenCalledTimes(2);
    settle!(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.closes).toEqual([{ code: 4401, reason: 'session ended' }]);
  });

  it('does not run without an isSessionActive check, nor after the socket closed', async () => {
    const supervisor = createConnectionSupervisor({ ...quiet, sessionCheckIntervalMs: 1_000 });
    const unchecked = new FakeSocket(true);
    watch(supervisor, unchecked);
    expect(vi.getTimerCount()).toBe(0);

    const socket = new FakeSocket(true);
    const isSessionActive = vi.fn(() => false);
    watch(supervisor, socket, isSessionActive);
    socket.disconnect();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(isSessionActive).not.toHaveBeenCalled();
    expect(socket.closes).toEqual([]);
  });
});

describe('send() and the send-buffer cap', () => {
  it('sends while the queued bytes stay within maxBufferedBytes', () => {
    const supervisor = createConnectionSupervisor({ ...quiet, maxBufferedBytes: 100 });
    const socket = new FakeSocket(true);
    expect(supervisor.send(socket, 'hello')).toBe(true);
    socket.bufferedAmount = 90;
    expect(supervisor.send(socket, 'x'.repeat(10))).toBe(true);
    expect(socket.sent).toEqual(['hello', 'x'.repeat(10)]);
    expect(socket.closes).toEqual([]);
  });

  it('closes with 1008 and returns false when the frame would take the buffer past the cap', () => {
    const supervisor = createConnectionSupervisor({ ...quiet, maxBufferedBytes: 100 });
    const socket = new FakeSocket(true);
    socket.bufferedAmount = 91;
    expect(supervisor.send(socket, 'x'.repeat(10))).toBe(false);
    expect(socket.sent).toEqual([]);
    expect(socket.closes).toEqual([{ code: CloseCode.PolicyViolation, reason: 'send buffer full' }]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const supervisor = createConnectionSupervisor({ ...quiet, maxBufferedBytes: 10 });
    const socket = new FakeSocket(true);
    expect(supervisor.send(socket, 'ééééé')).toBe(true);
    expect(supervisor.send(socket, 'éééééé')).toBe(false);
    expect(socket.closes).toEqual([{ code: 1008, reason: 'send buffer full' }]);
  });

  it('does nothing on a socket that is not open', () => {
    const supervisor = createConnectionSupervisor(quiet);
    const socket = new FakeSocket(true);
    socket.readyState = CLOSED;
    expect(supervisor.send(socket, 'late')).toBe(false);
    expect(socket.sent).toEqual([]);
    expect(socket.closes).toEqual([]);
  });

  it('defaults to a 1 MiB cap; 0 disables it', () => {
    const supervisor = createConnectionSupervisor(quiet);
    expect(supervisor.maxBufferedBytes).toBe(1_048_576);
    const socket = new FakeSocket(true);
    socket.bufferedAmount = 1_048_576;
    expect(supervisor.send(socket, 'x')).toBe(false);

    const uncapped = createConnectionSupervisor({ ...quiet, maxBufferedBytes: 0 });
    const slow = new FakeSocket(true);
    slow.bufferedAmount = 1_000_000_000;
    expect(uncapped.send(slow, 'x')).toBe(true);
    expect(slow.closes).toEqual([]);
  });
});

describe('supervision options', () => {
  it.each<[string, SupervisionOptions]>([
    ['a negative heartbeat', { heartbeatIntervalMs: -1 }],
    ['a fractional lifetime', { maxLifetimeMs: 0.5 }],
    ['a NaN session check interval', { sessionCheckIntervalMs: Number.NaN }],
    ['a negative buffer cap', { maxBufferedBytes: -1 }],
  ])('refuses %s with WsGateConfigError', (_label, options) => {
    expect(() => createConnectionSupervisor(options)).toThrow(WsGateConfigError);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(createConnectionSupervisor())).toBe(true);
  });
});
