// The cursor that keeps replays from applying a revocation twice, in the interleavings that the
// real-Redis suites cannot force: channel messages racing a replay, late copies, a failed replay.
import { describe, expect, it } from 'vitest';
import { RevocationCursor } from '../src/revocation-cursor.js';
import { compareEntryIds } from '../src/revocation-stream.js';

describe('RevocationCursor', () => {
  it('moves with live channel messages, so a replay starts after the last one', () => {
    const cursor = new RevocationCursor();
    cursor.startAt('100-0');
    expect(cursor.fromChannel('101-0')).toBe(true);
    expect(cursor.fromChannel('101-1')).toBe(true);
    expect(cursor.after).toBe('101-1');
  });

  it('applies a channel message that arrives during a resync at once, and the replay skips it', () => {
    const cursor = new RevocationCursor();
    cursor.startAt('100-0');
    cursor.beginResync();
    expect(cursor.fromChannel('105-0')).toBe(true);
    // The position does not jump past entries not replayed yet.
    expect(cursor.after).toBe('100-0');
    expect(cursor.fromReplay('103-0')).toBe(true);
    expect(cursor.fromReplay('105-0')).toBe(false);
    cursor.endResync();
    expect(cursor.after).toBe('105-0');
  });

  it('skips a channel copy of an entry the replay already applied (arriving late)', () => {
    const cursor = new RevocationCursor();
    cursor.beginResync();
    expect(cursor.fromReplay('200-0')).toBe(true);
    expect(cursor.fromChannel('200-0')).toBe(false);
    cursor.endResync();
    expect(cursor.fromChannel('200-0')).toBe(false);
    expect(cursor.fromChannel('201-0')).toBe(true);
  });

  it('resumes a replay that failed half-way from the last entry it read', () => {
    const cursor = new RevocationCursor();
    cursor.startAt('10-0');
    cursor.beginResync();
    expect(cursor.fromReplay('11-0')).toBe(true);
    expect(cursor.fromChannel('20-0')).toBe(true);
    // The replay failed here; the next one reads after 11-0 and skips 20-0.
    expect(cursor.after).toBe('11-0');
    cursor.beginResync();
    expect(cursor.fromReplay('12-0')).toBe(true);
    expect(cursor.fromReplay('20-0')).toBe(false);
    cursor.endResync();
    expect(cursor.after).toBe('20-0');
  });

  it('orders entry ids numerically, not as text', () => {
    expect(compareEntryIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareEntryIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareEntryIds('1733400000000-1', '1733400000000-1')).toBe(0);
    expect(compareEntryIds('1733400000001-0', '1733400000000-99')).toBeGreaterThan(0);
  });
});
