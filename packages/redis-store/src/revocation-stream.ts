import { replyText } from './command-runner.js';
import { isEntryId } from './revocation-message.js';

/** One entry of the revocation stream: its id, and the message it holds (field `m`), if any. */
export interface StreamEntry {
  readonly id: string;
  readonly message: string | undefined;
}

/** Orders two stream entry ids (`<ms>-<seq>`): negative, zero or positive. */
export function compareEntryIds(a: string, b: string): number {
  const [aMs = '', aSeq = ''] = a.split('-');
  const [bMs = '', bSeq = ''] = b.split('-');
  return compareDigits(aMs, bMs) || compareDigits(aSeq, bSeq);
}

/** Orders two non-negative integers written in decimal, of any length. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The entries of an `XRANGE` / `XREVRANGE` reply (`[[id, [field, value, ...]], ...]`, the same
 * in RESP2 and RESP3), or `undefined` if the reply has another shape.
 */
export function parseStreamEntries(reply: unknown): StreamEntry[] | undefined {
  if (!Array.isArray(reply)) return undefined;
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 2) return undefined;
    const id = replyText(item[0]);
    const fields: unknown = item[1];
    if (id === undefined || !isEntryId(id) || !Array.isArray(fields)) return undefined;
    let message: string | undefined;
    for (let index = 0; index + 1 < fields.length; index += 2) {
      if (replyText(fields[index]) === 'm') message = replyText(fields[index + 1]);
    }
    entries.push({ id, message });
  }
  return entries;
}
