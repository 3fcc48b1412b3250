// A ticket store that takes the connection slot with the ticket (TicketStore.takeWithSlot), as
// RedisTicketStore with RedisConnectionSlots does in one round trip: the gate uses it when its
// connection slots are the store's, and every refusal after the take gives the slot back.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMemoryConnectionSlots,
  createWsGate,
  MemoryTicketStore,
  type ConnectionSlot,
  type ConnectionSlotStore,
  type SlotClaim,
  type SlotLimits,
  type TakenWithSlot,
  type TicketRecord,
  type TicketStore,
  type WsGate,
  type WsGateOptions,
} from '../src/index.js';
import { handshake } from './helpers.js';

const APP = 'https://app.example.com';

/** Memory slots that record every call. */
class RecordingSlots implements ConnectionSlotStore {
  readonly calls: string[] = [];
  private readonly inner = createMemoryConnectionSlots();
  acquire(slot: ConnectionSlot, limits: SlotLimits) {
    this.calls.push(`acquire ${slot.subject}`);
    return this.inner.acquire(slot, limits);
  }
  release(slot: ConnectionSlot) {
    this.calls.push(`release ${slot.subject}`);
    return this.inner.release(slot);
  }
  /** Slot taken inside a folded take (not a call of `acquire`). */
  folded(slot: ConnectionSlot, limits: SlotLimits) {
    this.calls.push(`folded ${slot.subject}`);
    return this.inner.acquire(slot, limits);
  }
}

/** A memory store that folds slots of `slotStore`, counting its operations. */
class FoldingStore implements TicketStore {
  readonly inner = new MemoryTicketStore({ sweepIntervalMs: 0 });
  readonly operations: string[] = [];
  constructor(readonly slotStore: RecordingSlots) {}
  put(key: string, record: TicketRecord, ttlMs: number) {
    return this.inner.put(key, record, ttlMs);
  }
  async take(key: string) {
    this.operations.push('take');
    return this.inner.take(key);
  }
  async takeWithSlot(key: string, claim: SlotClaim): Promise<TakenWithSlot> {
    this.operations.push('takeWithSlot');
    const record = await this.inner.take(key);
    if (record === undefined) return { record, slot: undefined };
    const slot = await this.slotStore.folded(
      { subject: record.subject, address: claim.address },
      claim.limits,
    );
    return { record, slot };
  }
  close() {
    return this.inner.close();
  }
}

const gates: WsGate[] = [];
afterEach(async () => {
  await Promise.all(gates.splice(0).map((gate) => gate.tickets.close()));
});

function setup(options: Partial<WsGateOptions> = {}, shareSlots = true) {
  const slots = new RecordingSlots();
  const store = new FoldingStore(slots);
  const gate = createWsGate({
    origins: { allow: APP },
    tickets: { store },
    connections: { maxPerSubject: 2, slots: shareSlots ? slots : new RecordingSlots() },
    ...options,
  });
  gates.push(gate);
  const upgrade = async (subject: string, from = '127.0.0.1', sessionId = `s-${subject}`) => {
    const { ticket } = await gate.tickets.issue({ subject, sessionId, ip: '127.0.0.1' });
    return gate.authorizeUpgrade(handshake({ url: `/ws?ticket=${ticket}`, remoteAddress: from }));
  };
  return { gate, slots, store, upgrade };
}

describe('a slot taken with the ticket (TicketStore.takeWithSlot)', () => {
  it('takes the slot in the same store operation as the ticket, and holds the caps', async () => {
    const { slots, store, upgrade } = setup();
    const first = await upgrade('alice');
    const second = await upgrade('alice');
    expect(first.ok && second.ok).toBe(true);
    await expect(upgrade('alice')).resolves.toMatchObject({
      ok: false,
      status: 429,
      code: 'TOO_MANY_CONNECTIONS',
      reason: 'subject_connection_limit',
    });
    expect(store.operations).toEqual(['takeWithSlot', 'takeWithSlot', 'takeWithSlot']);
    expect(slots.calls).toEqual(['folded alice', 'folded alice', 'folded alice']);
    // Its reservation behaves as any: released, the slot is free again.
    if (!first.ok) throw new Error('expected an acceptance');
    first.reservation.release();
    expect(slots.calls.at(-1)).toBe('release alice');
    await expect(upgrade('alice')).resolves.toMatchObject({ ok: true });
  });

  it('gives the slot back when the ticket is refused after the take (bound to another address)', async () => {
    const { slots, upgrade } = setup();
    await expect(upgrade('alice', '10.9.9.9')).resolves.toMatchObject({ reason: 'ip_mismatch' });
    expect(slots.calls).toEqual(['folded alice', 'release alice']);
    // The cap was not eaten by the refusal.
    expect((await upgrade('alice')).ok && (await upgrade('alice')).ok).toBe(true);
  });

  it('gives the slot back when the session ended, or the session check throws', async () => {
    let mode: 'ended' | 'throws' = 'ended';
    const { slots, upgrade } = setup({
      isSessionActive: () => {
        if (mode === 'throws') throw new Error('session store down');
        return false;
      },
    });
    await expect(upgrade('alice')).resolves.toMatchObject({ reason: 'session_ended' });
    mode = 'throws';
    await expect(upgrade('alice')).resolves.toMatchObject({ status: 503 });
    expect(slots.calls).toEqual(['folded alice', 'release alice', 'folded alice', 'release alice']);
  });

  it('takes and acquires separately when the gate counts slots in another store', async () => {
    const { store, slots, upgrade } = setup({}, false);
    expect((await upgrade('alice')).ok).toBe(true);
    expect(store.operations).toEqual(['take']);
    expect(slots.calls).toEqual([]);
  });
});
