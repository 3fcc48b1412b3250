import { compareEntryIds } from './revocation-stream.js';

/** How many replayed entry ids are remembered, to drop a late pub/sub copy of one. */
const REMEMBERED_REPLAYS = 4096;

/**
 * Where a bus stands in the revocation stream, so that each entry is applied at most once
 * whichever way it arrives (pub/sub, or a replay after a reconnect).
 *
 * - `position`: every entry up to it was applied (or predates the bus). Live pub/sub messages
 *   arrive in stream order, so each one moves it on. During a resync (after a reconnect), only
 *   the replay moves it: a replay that fails half-way resumes from there.
 * - Messages that arrive on the channel during a resync are applied at once (pub/sub stays the
 *   fast path) and remembered, so the replay skips them; entries the replay applied are
 *   remembered too (up to 4096), so a copy arriving late on the channel is skipped.
 */
export class RevocationCursor {
  private position = '0-0';
  private resyncing = false;
  private readonly seenDuringResync = new Set<string>();
  private readonly replayed = new Set<string>();

  /** The id after which a replay reads. */
  get after(): string {
    return this.position;
  }

  /** Starts a resync: from now on until {@link endResync}, channel messages do not move the position. */
  beginResync(): void {
    this.resyncing = true;
  }

  /** Sets the position where a new bus starts: the stream's last entry (nothing before it is replayed). */
  startAt(id: string): void {
    this.moveTo(id);
  }

  /** Ends a resync: the position moves past the messages that arrived on the channel meanwhile. */
  endResync(): void {
    for (const id of this.seenDuringResync) this.moveTo(id);
    this.seenDuringResync.clear();
    this.resyncing = false;
  }

  /** A message with stream entry `id` arrived on the channel: whether it is new (apply it). */
  fromChannel(id: string): boolean {
    if (this.replayed.has(id) || this.seenDuringResync.has(id)) return false;
    if (this.resyncing) this.seenDuringResync.add(id);
    else this.moveTo(id);
    return true;
  }

  /** The replay read entry `id`: whether it is new (apply it). */
  fromReplay(id: string): boolean {
    this.moveTo(id);
    if (this.seenDuringResync.has(id) || this.replayed.has(id)) return false;
    this.replayed.add(id);
    if (this.replayed.size > REMEMBERED_REPLAYS) {
      const oldest = this.replayed.values().next().value;
      if (oldest !== undefined) this.replayed.delete(oldest);
    }
    return true;
  }

  private moveTo(id: string): void {
    if (compareEntryIds(id, this.position) > 0) this.position = id;
  }
}
