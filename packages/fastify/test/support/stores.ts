// Ticket store doubles for the specs. Not a spec file.
import {
  MemoryTicketStore,
  TicketStoreUnavailableError,
  type TicketRecord,
  type TicketStore,
} from '@wsgate/core';

/** A memory store that records calls and can be switched "down" (rejects like an unreachable Redis). */
export class SwitchableStore implements TicketStore {
  readonly inner = new MemoryTicketStore({ sweepIntervalMs: 0 });
  putDown = false;
  takeDown = false;
  puts = 0;
  takes = 0;
  closes = 0;

  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    this.puts += 1;
    if (this.putDown) throw new TicketStoreUnavailableError('store down (test)');
    await this.inner.put(key, record, ttlMs);
  }

  async take(key: string): Promise<TicketRecord | undefined> {
    this.takes += 1;
    if (this.takeDown) throw new TicketStoreUnavailableError('store down (test)');
    return this.inner.take(key);
  }

  async close(): Promise<void> {
    this.closes += 1;
    await this.inner.close();
  }
}

/** A clock the test moves by hand. */
export interface FakeClock {
  now: number;
  readonly clock: () => number;
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  const state: FakeClock = { now: start, clock: () => state.now };
  return state;
}
