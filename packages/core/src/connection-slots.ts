import type {
  ClosableConnection,
  ConnectionRegistry,
  ConnectionReservation,
  ReservationResult,
} from './connection-registry.js';
import {
  createMemoryConnectionSlots,
  releaseSlot,
  type ConnectionSlot,
  type ConnectionSlotStore,
  type SlotAcquisition,
  type SlotLimits,
} from './connection-slot-store.js';
import { DEFAULTS } from './defaults.js';
import { WsGateConfigError } from './errors.js';
import { optionsObject, positiveInteger } from './option-checks.js';
import { isThenable } from './thenable.js';
import type { Principal } from './ticket-service.js';

/** Caps on open (and about-to-open) connections. */
export interface ConnectionLimits {
  /** Most connections one subject may hold at once (per instance with the default `slots`). @default 10 */
  maxPerSubject?: number;
  /** Most connections one client address may hold at once (per instance with the default `slots`). @default 100 */
  maxPerAddress?: number;
  /** How long an accepted upgrade may hold its slot before its socket is attached. @default 10_000 */
  reservationTimeoutMs?: number;
  /**
   * Where the slots are counted: in this process by default (the caps hold per instance), or in
   * a store every instance shares (`RedisConnectionSlots` from `@wsgate/redis-store`: the caps
   * hold across the cluster). @default createMemoryConnectionSlots()
   */
  slots?: ConnectionSlotStore;
}

/** The caps, resolved. */
export interface ResolvedConnectionLimits extends SlotLimits {
  readonly reservationTimeoutMs: number;
  readonly store: ConnectionSlotStore;
}

/** Reserves connection slots for accepted upgrades. */
export interface ConnectionSlots<C extends ClosableConnection = ClosableConnection> {
  /**
   * Takes a slot for an accepted upgrade if the subject and the address are under their caps.
   * A slot not attached within `reservationTimeoutMs` is given back by itself; an attached one
   * is given back when its connection unregisters. Rejects (or throws) when the slot store
   * fails. Synchronous when the slot store is (the default one is).
   */
  reserve(
    principal: Pick<Principal, 'subject' | 'sessionId'>,
    address: string | undefined,
  ): ReservationResult<C> | Promise<ReservationResult<C>>;
  /**
   * The reservation of a slot already taken in the store (by the ticket store, with the ticket):
   * it behaves as one `reserve` returned.
   */
  adopt(
    principal: Pick<Principal, 'subject' | 'sessionId'>,
    address: string | undefined,
  ): ConnectionReservation<C>;
}

/** A slot attached after its reservation timed out is counted again, whatever the caps say. */
const UNCAPPED: SlotLimits = Object.freeze({
  maxPerSubject: Number.MAX_SAFE_INTEGER,
  maxPerAddress: Number.MAX_SAFE_INTEGER,
});

/** What every reservation of one gate shares. */
interface SlotReservations<C extends ClosableConnection> {
  readonly store: ConnectionSlotStore;
  readonly registry: ConnectionRegistry<C>;
  readonly timeoutMs: number;
}

/**
 * A slot taken for an accepted upgrade: given back by itself after `timeoutMs` unless attached;
 * once attached, held until its connection unregisters (and the deadline is dropped).
 */
class SlotReservation<C extends ClosableConnection> implements ConnectionReservation<C> {
  readonly #shared: SlotReservations<C>;
  readonly #principal: Pick<Principal, 'subject' | 'sessionId'>;
  readonly #slot: ConnectionSlot;
  #state: 'reserved' | 'attached' | 'released' = 'reserved';
  #timer: NodeJS.Timeout | undefined;
  /** The attached connection, until it is detached. */
  #connection: C | undefined;

  constructor(
    shared: SlotReservations<C>,
    principal: Pick<Principal, 'subject' | 'sessionId'>,
    slot: ConnectionSlot,
  ) {
    this.#shared = shared;
    this.#principal = principal;
    this.#slot = slot;
    this.#timer = setTimeout(() => this.release(), shared.timeoutMs);
    this.#timer.unref();
  }

  attach(connection: C): () => void {
    const { store, registry } = this.#shared;
    const slot = this.#slot;
    if (this.#state === 'released')
      void Promise.resolve()
        .then(() => store.acquire(slot, UNCAPPED))
        .catch(() => undefined);
    this.#state = 'attached';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // Removed by `detach` (the function `add` returns is not kept: one closure less per connection).
    registry.add(this.#principal, connection);
    this.#connection = connection;
    return () => this.detach();
  }

  /** Unregisters the attached connection and gives its slot back (once). */
  detach(): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    this.#connection = undefined;
    this.#shared.registry.remove(this.#principal, connection);
    releaseSlot(this.#shared.store, this.#slot);
  }

  release(): void {
    if (this.#state !== 'reserved') return;
    this.#state = 'released';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    releaseSlot(this.#shared.store, this.#slot);
  }
}

/** Reads, defaults and validates the `connections` option. */
export function resolveConnectionLimits(input: ConnectionLimits | undefined): ResolvedConnectionLimits {
  const limits = optionsObject('connections', input);
  const defaults = DEFAULTS.connections;
  const store = limits.slots ?? createMemoryConnectionSlots();
  if (
    store === null ||
    typeof store !== 'object' ||
    typeof store.acquire !== 'function' ||
    typeof store.release !== 'function'
  )
    throw new WsGateConfigError('connections.slots must be a ConnectionSlotStore (acquire, release)');
  return Object.freeze({
    maxPerSubject: positiveInteger('connections.maxPerSubject', limits.maxPerSubject, defaults.maxPerSubject),
    maxPerAddress: positiveInteger('connections.maxPerAddress', limits.maxPerAddress, defaults.maxPerAddress),
    reservationTimeoutMs: positiveInteger(
      'connections.reservationTimeoutMs',
      limits.reservationTimeoutMs,
      defaults.reservationTimeoutMs,
    ),
    store,
  });
}

/**
 * Creates the reservation of connection slots: the caps checked in `limits.store` before the
 * upgrade, and the socket registered in `registry` once it exists.
 *
 * @example
 * const slots = createConnectionSlots(resolveConnectionLimits({ maxPerSubject: 5 }), registry);
 * const reserved = await slots.reserve(principal, clientIp);
 */
export function createConnectionSlots<C extends ClosableConnection = ClosableConnection>(
  limits: ResolvedConnectionLimits,
  registry: ConnectionRegistry<C>,
): ConnectionSlots<C> {
  const shared: SlotReservations<C> = {
    store: limits.store,
    registry,
    timeoutMs: limits.reservationTimeoutMs,
  };

  /** The reservation of a slot taken in the store. */
  const reservationOf = (principal: Pick<Principal, 'subject' | 'sessionId'>, slot: ConnectionSlot) =>
    new SlotReservation(shared, principal, slot);

  return Object.freeze({
    reserve(
      principal: Pick<Principal, 'subject' | 'sessionId'>,
      address: string | undefined,
    ): ReservationResult<C> | Promise<ReservationResult<C>> {
      const slot: ConnectionSlot = { subject: principal.subject, address };
      const reserved = (acquired: SlotAcquisition): ReservationResult<C> =>
        acquired.ok ? { ok: true, reservation: reservationOf(principal, slot) } : acquired;
      const acquired = limits.store.acquire(slot, limits);
      return isThenable(acquired) ? Promise.resolve(acquired).then(reserved) : reserved(acquired);
    },
    adopt: (principal: Pick<Principal, 'subject' | 'sessionId'>, address: string | undefined) =>
      reservationOf(principal, { subject: principal.subject, address }),
  });
}
