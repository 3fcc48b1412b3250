import { systemClock, type Clock } from './clock.js';
import { DEFAULTS } from './defaults.js';
import {
  TicketKeyExistsError,
  TicketStoreClosedError,
  TicketStoreFullError,
  WsGateConfigError,
} from './errors.js';
import { packCanonicalIPv4, unpackIPv4 } from './ip-address.js';
import { nonNegativeInteger, optionsObject, positiveInteger } from './option-checks.js';
import type { TicketClaims, TicketRecord, TicketStore } from './ticket-store.js';

/** Options of {@link MemoryTicketStore}. */
export interface MemoryTicketStoreOptions {
  /**
   * Most outstanding tickets held at once. When full, `put` fails closed with
   * `TicketStoreFullError`; it never evicts other users' tickets.
   * @default 100_000
   */
  maxEntries?: number;
  /**
   * Most outstanding tickets per subject; past it the subject's oldest ticket is dropped.
   * @default 16
   */
  maxPerSubject?: number;
  /**
   * Interval of the background sweep of expired tickets, in ms (the timer is `unref()`ed).
   * `0` disables the timer (expiry is then lazy only).
   * @default 30_000
   */
  sweepIntervalMs?: number;
  /** Time source, for tests. @default Date.now */
  clock?: Clock;
}

interface MemoryTicketStoreConfig {
  readonly maxEntries: number;
  readonly maxPerSubject: number;
  readonly sweepIntervalMs: number;
  readonly clock: Clock;
}

function resolveMemoryStoreOptions(input: MemoryTicketStoreOptions | undefined): MemoryTicketStoreConfig {
  const options = optionsObject('MemoryTicketStore options', input);
  const defaults = DEFAULTS.memoryStore;
  return Object.freeze({
    maxEntries: positiveInteger('maxEntries', options.maxEntries, defaults.maxEntries),
    maxPerSubject: positiveInteger('maxPerSubject', options.maxPerSubject, defaults.maxPerSubject),
    sweepIntervalMs: nonNegativeInteger('sweepIntervalMs', options.sweepIntervalMs, defaults.sweepIntervalMs),
    clock: options.clock ?? systemClock,
  });
}

// Records are stored packed, column by column, in pages of slots: no object per ticket, no boxed
// numbers, no array per subject. Per outstanding ticket that is the key string, one entry in
// `slotByKey`, one in `firstSlotBySubject` and ~68 bytes of columns (see tools/bench, core-bench).
const PAGE_BITS = 12;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/** End of a subject's list of slots. */
const NO_SLOT = -1;
/** Most distinct origins interned; past it origins are stored as given (still correct, just larger). */
const MAX_INTERNED_ORIGINS = 1_024;

/** The fields of up to `PAGE_SIZE` records, one column per field. */
class Page {
  readonly keys: (string | undefined)[] = new Array<string | undefined>(PAGE_SIZE).fill(undefined);
  readonly subjects: (string | undefined)[] = new Array<string | undefined>(PAGE_SIZE).fill(undefined);
  readonly sessionIds: (string | undefined)[] = new Array<string | undefined>(PAGE_SIZE).fill(undefined);
  readonly claims: (TicketClaims | undefined)[] = new Array<TicketClaims | undefined>(PAGE_SIZE).fill(
    undefined,
  );
  /** A canonical IPv4 address packed into an int32 (a Smi, no allocation), any other address as text. */
  readonly ips: (string | number | undefined)[] = new Array<string | number | undefined>(PAGE_SIZE).fill(
    undefined,
  );
  readonly origins: (string | undefined)[] = new Array<string | undefined>(PAGE_SIZE).fill(undefined);
  /** `issuedAt` at `2 * index`, `expiresAt` at `2 * index + 1`. */
  readonly times = new Float64Array(PAGE_SIZE * 2);
  /** Next (younger) slot of the same subject, or `NO_SLOT`. */
  readonly nextOfSubject = new Int32Array(PAGE_SIZE);
}

/** A canonical IPv4 address as an int32 (a Smi: no allocation); anything else stays text. */
function packIp(ip: string | undefined): string | number | undefined {
  if (ip === undefined) return undefined;
  return packCanonicalIPv4(ip) ?? ip;
}

function unpackIp(ip: string | number | undefined): string | undefined {
  return typeof ip === 'number' ? unpackIPv4(ip) : ip;
}

/**
 * The default {@link TicketStore}: a bounded in-process map. Right for a single instance;
 * use `RedisTicketStore` when several instances must share tickets.
 *
 * Bounded in total (`maxEntries`, fails closed) and per subject (`maxPerSubject`, drops the
 * subject's oldest ticket); expired tickets are removed lazily and by an `unref()`ed sweep.
 * Records are kept packed (under 200 bytes of heap per outstanding ticket, key included; see
 * `npm run bench:core`) and `take` returns an equal record, not the same object.
 *
 * @example
 * const store = new MemoryTicketStore({ maxEntries: 50_000 });
 * const tickets = createTicketService({ store });
 */
export class MemoryTicketStore implements TicketStore {
  /** The store's name in metrics. */
  readonly name = 'memory';
  private readonly config: MemoryTicketStoreConfig;
  private readonly slotByKey = new Map<string, number>();
  /** Oldest slot of each subject; the rest follow through `Page.nextOfSubject`, oldest first. */
  private readonly firstSlotBySubject = new Map<string, number>();
  private readonly internedOrigins = new Map<string, string>();
  private pages: Page[] = [];
  private freeSlots: number[] = [];
  private nextFreshSlot = 0;
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: MemoryTicketStoreOptions = {}) {
    this.config = resolveMemoryStoreOptions(options);
    if (this.config.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), this.config.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Number of tickets currently held (expired but unswept ones included). */
  get size(): number {
    return this.slotByKey.size;
  }

  /** {@inheritDoc TicketStore.put} */
  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    this.assertOpen();
    if (!(ttlMs > 0)) throw new WsGateConfigError('put(): ttlMs must be a positive number');
    if (this.slotByKey.has(key)) throw new TicketKeyExistsError();
    const first = this.firstSlotBySubject.get(record.subject);
    if (first !== undefined && this.countFrom(first) >= this.config.maxPerSubject) {
      const oldestKey = this.pageOf(first).keys[first & PAGE_MASK];
      if (oldestKey !== undefined) this.remove(oldestKey, first);
    }
    if (this.slotByKey.size >= this.config.maxEntries) {
      this.sweep();
      if (this.slotByKey.size >= this.config.maxEntries)
        throw new TicketStoreFullError(this.config.maxEntries);
    }
    const slot = this.allocateSlot();
    const page = this.pageOf(slot);
    const index = slot & PAGE_MASK;
    page.keys[index] = key;
    page.subjects[index] = record.subject;
    page.sessionIds[index] = record.sessionId;
    page.claims[index] = record.claims;
    page.ips[index] = packIp(record.ip);
    page.origins[index] = this.internOrigin(record.origin);
    page.times[2 * index] = record.issuedAt;
    page.times[2 * index + 1] = Math.min(record.expiresAt, this.config.clock() + ttlMs);
    page.nextOfSubject[index] = NO_SLOT;
    this.slotByKey.set(key, slot);
    // Looked up again: the drop and the sweep above may have changed the subject's list.
    const head = this.firstSlotBySubject.get(record.subject);
    if (head === undefined) {
      this.firstSlotBySubject.set(record.subject, slot);
    } else {
      let last = head;
      for (let next = this.nextOf(last); next !== NO_SLOT; next = this.nextOf(last)) last = next;
      this.pageOf(last).nextOfSubject[last & PAGE_MASK] = slot;
    }
  }

  /** {@inheritDoc TicketStore.take} */
  async take(key: string): Promise<TicketRecord | undefined> {
    this.assertOpen();
    const slot = this.slotByKey.get(key);
    if (slot === undefined) return undefined;
    const page = this.pageOf(slot);
    const index = slot & PAGE_MASK;
    const record: TicketRecord = {
      v: 1,
      subject: page.subjects[index] as string,
      sessionId: page.sessionIds[index],
      claims: page.claims[index],
      ip: unpackIp(page.ips[index]),
      origin: page.origins[index],
      issuedAt: page.times[2 * index] as number,
      expiresAt: page.times[2 * index + 1] as number,
    };
    this.remove(key, slot);
    return record;
  }

  /** Removes every expired ticket now. Runs by itself on the sweep timer. */
  sweep(): void {
    const now = this.config.clock();
    for (const [key, slot] of this.slotByKey) {
      if ((this.pageOf(slot).times[2 * (slot & PAGE_MASK) + 1] as number) <= now) this.remove(key, slot);
    }
    // An empty store gives its pages back, so that a burst does not pin memory for good. Here and
    // not in `remove`: an issue/redeem cycle empties the store every time and must not reallocate.
    if (this.slotByKey.size === 0) this.releaseSlots();
  }

  /** {@inheritDoc TicketStore.close} */
  async close(): Promise<void> {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.closed = true;
    this.slotByKey.clear();
    this.firstSlotBySubject.clear();
    this.internedOrigins.clear();
    this.releaseSlots();
  }

  private pageOf(slot: number): Page {
    return this.pages[slot >>> PAGE_BITS] as Page;
  }

  private nextOf(slot: number): number {
    return this.pageOf(slot).nextOfSubject[slot & PAGE_MASK] as number;
  }

  private countFrom(first: number): number {
    let count = 1;
    for (let slot = this.nextOf(first); slot !== NO_SLOT; slot = this.nextOf(slot)) count += 1;
    return count;
  }

  private allocateSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    const slot = this.nextFreshSlot;
    this.nextFreshSlot += 1;
    if ((slot & PAGE_MASK) === 0) this.pages.push(new Page());
    return slot;
  }

  /** Drops every page and free slot; only when no slot is in use. */
  private releaseSlots(): void {
    this.pages = [];
    this.freeSlots = [];
    this.nextFreshSlot = 0;
  }

  private remove(key: string, slot: number): void {
    this.slotByKey.delete(key);
    const page = this.pageOf(slot);
    const index = slot & PAGE_MASK;
    const subject = page.subjects[index] as string;
    const next = page.nextOfSubject[index] as number;
    const head = this.firstSlotBySubject.get(subject);
    if (head === slot) {
      if (next === NO_SLOT) this.firstSlotBySubject.delete(subject);
      else this.firstSlotBySubject.set(subject, next);
    } else if (head !== undefined) {
      let previous = head;
      for (let current = this.nextOf(previous); current !== NO_SLOT; current = this.nextOf(previous)) {
        if (current === slot) {
          this.pageOf(previous).nextOfSubject[previous & PAGE_MASK] = next;
          break;
        }
        previous = current;
      }
    }
    page.keys[index] = undefined;
    page.subjects[index] = undefined;
    page.sessionIds[index] = undefined;
    page.claims[index] = undefined;
    page.ips[index] = undefined;
    page.origins[index] = undefined;
    this.freeSlots.push(slot);
  }

  /** One shared, flat copy of each origin (`URL#origin` strings keep the whole `href` alive). */
  private internOrigin(origin: string | undefined): string | undefined {
    if (origin === undefined) return undefined;
    const known = this.internedOrigins.get(origin);
    if (known !== undefined) return known;
    if (this.internedOrigins.size >= MAX_INTERNED_ORIGINS) return origin;
    const flat = Buffer.from(origin, 'utf8').toString('utf8');
    this.internedOrigins.set(flat, flat);
    return flat;
  }

  private assertOpen(): void {
    if (this.closed) throw new TicketStoreClosedError();
  }
}
