import { systemClock, type Clock } from './clock.js';
import { TicketKeyExistsError, TicketStoreClosedError, TicketStoreFullError, WsGateConfigError } from './errors.js';
import type { TicketRecord, TicketStore } from './ticket-store.js';

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

function positiveInteger(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < (allowZero ? 0 : 1)) {
    throw new WsGateConfigError(`${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer`);
  }
  return resolved;
}

function resolveMemoryStoreOptions(options: MemoryTicketStoreOptions): MemoryTicketStoreConfig {
  return Object.freeze({
    maxEntries: positiveInteger('maxEntries', options.maxEntries, 100_000),
    maxPerSubject: positiveInteger('maxPerSubject', options.maxPerSubject, 16),
    sweepIntervalMs: positiveInteger('sweepIntervalMs', options.sweepIntervalMs, 30_000, true),
    clock: options.clock ?? systemClock,
  });
}

/**
 * The default {@link TicketStore}: a bounded in-process map. Right for a single instance;
 * use `RedisTicketStore` when several instances must share tickets.
 *
 * Bounded in total (`maxEntries`, fails closed) and per subject (`maxPerSubject`, drops the
 * subject's oldest ticket); expired tickets are removed lazily and by an `unref()`ed sweep.
 *
 * @example
 * const store = new MemoryTicketStore({ maxEntries: 50_000 });
 * const tickets = createTicketService({ store });
 */
export class MemoryTicketStore implements TicketStore {
  private readonly config: MemoryTicketStoreConfig;
  private readonly records = new Map<string, TicketRecord>();
  /** Keys per subject, oldest first. */
  private readonly keysBySubject = new Map<string, string[]>();
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
    return this.records.size;
  }

  /** {@inheritDoc TicketStore.put} */
  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    this.assertOpen();
    if (this.records.has(key)) throw new TicketKeyExistsError();
    const subjectKeys = this.keysBySubject.get(record.subject);
    if (subjectKeys !== undefined && subjectKeys.length >= this.config.maxPerSubject) {
      const oldest = subjectKeys.shift();
      if (oldest !== undefined) this.records.delete(oldest);
    }
    if (this.records.size >= this.config.maxEntries) {
      this.sweep();
      if (this.records.size >= this.config.maxEntries) throw new TicketStoreFullError(this.config.maxEntries);
    }
    const expiresAt = Math.min(record.expiresAt, this.config.clock() + ttlMs);
    this.records.set(key, expiresAt === record.expiresAt ? record : { ...record, expiresAt });
    // Looked up again: the sweep above may have removed the subject's list.
    const currentKeys = this.keysBySubject.get(record.subject);
    if (currentKeys === undefined) this.keysBySubject.set(record.subject, [key]);
    else currentKeys.push(key);
  }

  /** {@inheritDoc TicketStore.take} */
  async take(key: string): Promise<TicketRecord | undefined> {
    this.assertOpen();
    const record = this.records.get(key);
    if (record === undefined) return undefined;
    this.remove(key, record);
    return record;
  }

  /** Removes every expired ticket now. Runs by itself on the sweep timer. */
  sweep(): void {
    const now = this.config.clock();
    for (const [key, record] of this.records) {
      if (record.expiresAt <= now) this.remove(key, record);
    }
  }

  /** {@inheritDoc TicketStore.close} */
  async close(): Promise<void> {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.closed = true;
    this.records.clear();
    this.keysBySubject.clear();
  }

  private remove(key: string, record: TicketRecord): void {
    this.records.delete(key);
    const subjectKeys = this.keysBySubject.get(record.subject);
    if (subjectKeys === undefined) return;
    const index = subjectKeys.indexOf(key);
    if (index !== -1) subjectKeys.splice(index, 1);
    if (subjectKeys.length === 0) this.keysBySubject.delete(record.subject);
  }

  private assertOpen(): void {
    if (this.closed) throw new TicketStoreClosedError();
  }
}
