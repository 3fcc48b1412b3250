import { parseUntrustedJson } from '@wsgate/core';

/** What a revocation closes: the sockets of one session, or every socket of one subject. */
export type RevocationKind = 'session' | 'subject';

/** A revocation as published on the channel and appended to the stream. */
export interface RevocationMessage {
  readonly v: 1;
  readonly kind: RevocationKind;
  readonly id: string;
  readonly reason?: string | undefined;
  /** `instanceId` of the publisher, which applied it already. */
  readonly from: string;
  /**
   * Id of the stream entry that holds the same revocation (`<ms>-<seq>`), added by the publish
   * script to what it publishes; absent on the stream itself and from publishers without a stream.
   */
  readonly entry?: string | undefined;
}

/** A WebSocket close reason may not exceed 123 bytes of UTF-8. */
export const MAX_REASON_BYTES = 123;
/** Longest session id or subject a revocation carries. */
export const MAX_ID_LENGTH = 1024;
const MAX_MESSAGE_BYTES = 4096;
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

/** A session id or subject a revocation can carry. */
export function isValidRevocationId(id: unknown): id is string {
  return typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH;
}

/** A close reason a revocation can carry (≤ 123 bytes), or none. */
export function isValidReason(reason: unknown): reason is string | undefined {
  return (
    reason === undefined || (typeof reason === 'string' && Buffer.byteLength(reason) <= MAX_REASON_BYTES)
  );
}

/** Whether `value` is a stream entry id (`<ms>-<seq>`). */
export function isEntryId(value: unknown): value is string {
  return typeof value === 'string' && ENTRY_ID.test(value);
}

/** The message as JSON (an object: the publish script appends `entry` before its closing brace). */
export function encodeRevocation(message: RevocationMessage): string {
  return JSON.stringify({
    v: message.v,
    kind: message.kind,
    id: message.id,
    reason: message.reason,
    from: message.from,
  });
}

/**
 * Reads a message from the channel or the stream. Anything malformed (bad JSON, unknown version
 * or kind, wrong types, oversized, prototype keys) is `undefined`.
 */
export function parseRevocation(text: string): RevocationMessage | undefined {
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return undefined;
  const parsed = parseUntrustedJson(text, 1);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
    return undefined;
  const { v, kind, id, reason, from, entry } = parsed.value as Record<string, unknown>;
  if (
    v !== 1 ||
    (kind !== 'session' && kind !== 'subject') ||
    !isValidRevocationId(id) ||
    !isValidReason(reason) ||
    typeof from !== 'string' ||
    (entry !== undefined && !isEntryId(entry))
  ) {
    return undefined;
  }
  return { v, kind, id, reason, from, entry };
}
