// gate.drain(): upgrades refused with 503 from the start, open connections served for the drain
// period, then closed with 1012, and the drain over within delayMs + timeoutMs (fake timers).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CloseCode,
  createWsGate,
  WsGateConfigError,
  type AdmittedConnection,
  type GatedConnection,
  type UpgradeAcceptance,
  type WsGate,
  type WsGateOptions,
} from '../src/index.js';
import { handshake, RecordingStore } from './helpers.js';

const APP = 'https://app.example.com';
const gates: WsGate[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(gates.splice(0).map((gate) => gate.tickets.close()));
});

function gateWith(options: Partial<WsGateOptions> = {}) {
  const gate = createWsGate({
    origins: { allow: APP },
    tickets: { store: new RecordingStore() },
    ...options,
  });
  gates.push(gate);
  return gate;
}

/** A connection that records its closes; `answers` says whether it completes a close handshake. */
class PeerConnection implements GatedConnection {
  readonly closes: number[] = [];
  terminated = false;
  admitted: AdmittedConnection | undefined;
  constructor(private readonly answers = true) {}
  close(code: number): void {
    this.closes.push(code);
    if (this.answers) queueMicrotask(() => this.admitted?.closed(code));
  }
  terminate(): void {
    this.terminated = true;
    this.admitted?.closed(1006);
  }
}

async function accepted(gate: WsGate, subject = 'alice'): Promise<UpgradeAcceptance> {
  const { ticket } = await gate.tickets.issue({ subject, sessionId: `s-${subject}`, ip: '127.0.0.1' });
  const result = await gate.authorizeUpgrade(handshake({ url: `/ws?ticket=${ticket}` }));
  if (!result.ok) throw new Error(`expected an acceptance, got ${result.reason}`);
  return result;
}

async function open(gate: WsGate, answers = true): Promise<PeerConnection> {
  const peer = new PeerConnection(answers);
  peer.admitted = gate.admit(await accepted(gate), peer, () => undefined);
  return peer;
}

describe('gate.drain()', () => {
  it('refuses upgrades with 503 SERVICE_UNAVAILABLE (reason draining) without touching the ticket', async () => {
    const gate = gateWith();
    const { ticket } = await gate.tickets.issue({ subject: 'alice', ip: '127.0.0.1' });
    expect(gate.draining).toBe(false);
    expect(gate.drainRefusal(handshake())).toBeUndefined();
    const drained = gate.drain();
    expect(gate.draining).toBe(true);
    const refused = await gate.authorizeUpgrade(handshake({ url: `/ws?ticket=${ticket}` }));
    expect(refused).toMatchObject({
      ok: false,
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      reason: 'draining',
    });
    const answer = gate.drainRefusal(handshake());
    expect(answer).toMatchObject({ kind: 'http', status: 503, body: { error: 'SERVICE_UNAVAILABLE' } });
    expect(answer?.audit).toMatchObject({ event: 'wsgate.upgrade_refused', fields: { reason: 'draining' } });
    expect(await drained).toEqual({ closed: 0, terminated: 0 });
    // The ticket was never taken: another instance sharing the store may still redeem it.
    const other = gateWith({ tickets: gate.tickets });
    expect((await other.authorizeUpgrade(handshake({ url: `/ws?ticket=${ticket}` }))).ok).toBe(true);
  });

  it('closes open connections with 1012 and resolves once they are gone', async () => {
    const gate = gateWith();
    const peers = [await open(gate), await open(gate)];
    expect(gate.registry.size).toBe(2);
    expect(await gate.drain()).toEqual({ closed: 2, terminated: 0 });
    expect(peers.map((peer) => peer.closes)).toEqual([
      [CloseCode.ServiceRestart],
      [CloseCode.ServiceRestart],
    ]);
    expect(gate.registry.size).toBe(0);
    // Idempotent: the same drain.
    expect(await gate.drain()).toEqual({ closed: 2, terminated: 0 });
  });

  it('serves open connections for delayMs first, and stops waiting when they leave by themselves', async () => {
    vi.useFakeTimers();
    const gate = gateWith({ drain: { delayMs: 10_000, timeoutMs: 1_000 } });
    const staying = await open(gate);
    let done = false;
    const drained = gate.drain().then((result) => {
      done = true;
      return result;
    });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(staying.closes).toEqual([]);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(staying.closes).toEqual([CloseCode.ServiceRestart]);
    expect(await drained).toEqual({ closed: 1, terminated: 0 });

    const early = gateWith({ drain: { delayMs: 60_000 } });
    const leaving = await open(early);
    const earlyDrain = early.drain();
    leaving.admitted?.closed(1000); // the client left during the drain period
    expect(await earlyDrain).toEqual({ closed: 0, terminated: 0 });
  });

  it('drops the connections that never finish closing once timeoutMs has passed', async () => {
    vi.useFakeTimers();
    const gate = gateWith({ drain: { timeoutMs: 2_000 } });
    const polite = await open(gate);
    const stuck = await open(gate, false);
    const drained = gate.drain();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(stuck.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await drained).toEqual({ closed: 2, terminated: 1 });
    expect(polite.terminated).toBe(false);
    expect(stuck.closes).toEqual([CloseCode.ServiceRestart]);
    expect(stuck.terminated).toBe(true);
    expect(gate.registry.size).toBe(0);
  });

  it('closes with 1012 a connection authorized before the drain but admitted after its closes went out', async () => {
    const gate = gateWith({ drain: { timeoutMs: 50 } });
    const acceptance = await accepted(gate);
    await gate.drain();
    const late = new PeerConnection(false);
    late.admitted = gate.admit(acceptance, late, () => undefined);
    expect(late.closes).toEqual([CloseCode.ServiceRestart]);
    late.admitted.closed(CloseCode.ServiceRestart);
    expect(gate.registry.size).toBe(0);
  });

  it.each<[string, unknown]>([
    ['a negative delayMs', { delayMs: -1 }],
    ['a zero timeoutMs', { timeoutMs: 0 }],
    ['a non-object', 5],
  ])('refuses %s with WsGateConfigError', (_label, drain) => {
    expect(() => createWsGate({ origins: { allow: APP }, drain: drain as WsGateOptions['drain'] })).toThrow(
      WsGateConfigError,
    );
  });
});
