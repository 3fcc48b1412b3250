import type { ConnectionSlotStore, SlotAcquisition, SlotLimits } from './connection-slot-store.js';

/** A connection slot to take together with a ticket: for the record's subject and this address. */
export interface SlotClaim {
  readonly address: string | undefined;
  readonly limits: SlotLimits;
}

/** Result of {@link TicketStore.takeWithSlot}. */
export interface TakenWithSlot {
  /** The record taken, or `undefined` (as `take`). */
  readonly record: TicketRecord | undefined;
  /** The slot's outcome; `undefined` when no slot was asked for (no record, or one without a subject). */
  readonly slot: SlotAcquisition | undefined;
}

/** Claims carried by a ticket: JSON-serialisable facts about the user (roles, tenant, ...). */
export type TicketClaims = Readonly<Record<string, unknown>>;

/**
 * What a store keeps for one outstanding ticket. Versioned (`v`) so a later format can
 * still read tickets written by this one.
 */
export interface TicketRecord {
  /** Record format version. */
  readonly v: 1;
  /** The user the ticket was issued to. */
  readonly subject: string;
  /** The session the ticket was issued from, if the app has sessions. */
  readonly sessionId?: string | undefined;
  /** Claims bound to the ticket. */
  readonly claims?: TicketClaims | undefined;
  /** Normalised address of the client that asked for the ticket, when IP binding is on. */
  readonly ip?: string | undefined;
  /** Normalised Origin of the request that asked for the ticket, when it carried one. */
  readonly origin?: string | undefined;
  /** Issue time, epoch ms. */
  readonly issuedAt: number;
  /** Expiry time, epoch ms. */
  readonly expiresAt: number;
}

/**
 * Storage for outstanding tickets, keyed by the SHA-256 of the ticket (never the ticket).
 *
 * Implementations: `MemoryTicketStore` (default, one process) and `RedisTicketStore`
 * (`@wsgate/redis-store`, several instances). All methods are async.
 */
export interface TicketStore {
  /**
   * Optional. Short name of the store in metrics (`wsgate.ticket_store.name`: `memory`, `redis`).
   * @default 'custom'
   */
  readonly name?: string;
  /**
   * Required. Stores `record` under `key` for `ttlMs` milliseconds. Refuses an existing key
   * (rejects with `TicketKeyExistsError`), never overwrites. Rejects with
   * `TicketStoreFullError` / `TicketStoreUnavailableError` when it cannot store.
   */
  put(key: string, record: TicketRecord, ttlMs: number): Promise<void>;
  /**
   * Required. Atomically removes and returns the record under `key` (take-once): of any number
   * of concurrent `take`s of one key, across every process sharing the store, exactly one gets
   * the record; the others get `undefined`. May return an expired record that has not been
   * swept yet: the ticket service checks `expiresAt` itself.
   */
  take(key: string): Promise<TicketRecord | undefined>;
  /** Required. Releases timers and connections the store owns. Idempotent. */
  close(): Promise<void>;
  /**
   * Optional, with `slotStore`. `take`, and in the same atomic operation (one round trip) a
   * connection slot of `slotStore` for the record's subject and `claim.address`, under
   * `claim.limits` (see `ConnectionSlotStore.acquire`). The gate uses it when its
   * `connections.slots` is this store's `slotStore`.
   */
  takeWithSlot?(key: string, claim: SlotClaim): Promise<TakenWithSlot>;
  /** Optional. The connection slot store whose slots `takeWithSlot` takes. */
  readonly slotStore?: ConnectionSlotStore;
}
