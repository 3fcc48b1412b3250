import { isThenable } from './thenable.js';

/** One connection's claim on the caps: its subject and, when known, its client address. */
export interface ConnectionSlot {
  readonly subject: string;
  readonly address: string | undefined;
}

/** The caps a slot is checked against. */
export interface SlotLimits {
  readonly maxPerSubject: number;
  readonly maxPerAddress: number;
}

/** Result of {@link ConnectionSlotStore.acquire}. */
export type SlotAcquisition =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'subject_connection_limit' | 'address_connection_limit' };

/**
 * Where connection slots are counted against the caps per subject and per address: in this
 * process ({@link createMemoryConnectionSlots}, the default: the caps hold **per instance**), or
 * shared by every instance (`RedisConnectionSlots` from `@wsgate/redis-store`: the caps hold
 * across the cluster). Methods may be sync or async.
 */
export interface ConnectionSlotStore {
  /**
   * Required. Takes one slot for `slot.subject` and (when given) `slot.address` if both are under
   * their caps, atomically (two concurrent acquisitions never both take the last slot). Rejects
   * only on a store fault (the upgrade is then refused with 503).
   */
  acquire(slot: ConnectionSlot, limits: SlotLimits): SlotAcquisition | Promise<SlotAcquisition>;
  /**
   * Required. Gives back one slot taken by `acquire`. Should not reject: a store that cannot
   * reach its backend repairs its counts itself later.
   */
  release(slot: ConnectionSlot): void | Promise<void>;
  /** Optional. Stops timers and connections the store owns. Idempotent. */
  close?(): void | Promise<void>;
}

function adjust(counts: Map<string, number>, key: string | undefined, delta: number): void {
  if (key === undefined) return;
  const next = (counts.get(key) ?? 0) + delta;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/**
 * The default {@link ConnectionSlotStore}: counts in this process's memory, so the caps hold
 * per instance (N instances allow N times the caps). Synchronous; memory holds one entry per
 * subject and per address with a slot, and nothing once their connections are gone.
 */
export function createMemoryConnectionSlots(): ConnectionSlotStore {
  const bySubject = new Map<string, number>();
  const byAddress = new Map<string, number>();
  return Object.freeze({
    acquire(slot: ConnectionSlot, limits: SlotLimits): SlotAcquisition {
      if ((bySubject.get(slot.subject) ?? 0) >= limits.maxPerSubject)
        return { ok: false, reason: 'subject_connection_limit' };
      if (slot.address !== undefined && (byAddress.get(slot.address) ?? 0) >= limits.maxPerAddress)
        return { ok: false, reason: 'address_connection_limit' };
      adjust(bySubject, slot.subject, 1);
      adjust(byAddress, slot.address, 1);
      return { ok: true };
    },
    release(slot: ConnectionSlot): void {
      adjust(bySubject, slot.subject, -1);
      adjust(byAddress, slot.address, -1);
    },
  });
}

/** Gives a slot back; a store fault is the slot store's to repair. */
export function releaseSlot(
  slots: ConnectionSlotStore | undefined,
  slot: { readonly subject: string; readonly address: string | undefined },
): void {
  if (slots === undefined) return;
  try {
    const released = slots.release(slot);
    if (isThenable(released)) released.then(undefined, ignore);
  } catch {
    // see above
  }
}

const ignore = (): undefined => undefined;
