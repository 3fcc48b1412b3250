import { parseUntrustedJson, WsGateConfigError, type TicketClaims, type TicketRecord } from '@wsgate/core';

/** Deepest JSON accepted when reading a record back (claims may nest). */
const MAX_RECORD_DEPTH = 32;

/** Result of {@link decodeRecord}. */
export type DecodedRecord =
  | { readonly ok: true; readonly record: TicketRecord }
  | { readonly ok: false; readonly reason: 'malformed' }
  | { readonly ok: false; readonly reason: 'unknown_version'; readonly version: string };

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function isClaims(value: unknown): value is TicketClaims | undefined {
  return value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value));
}

/** Serialises a v1 record as JSON, keeping only the fields of the format. */
export function encodeRecord(record: TicketRecord): string {
  if (
    record === null ||
    typeof record !== 'object' ||
    record.v !== 1 ||
    typeof record.subject !== 'string' ||
    record.subject === '' ||
    !Number.isFinite(record.issuedAt) ||
    !Number.isFinite(record.expiresAt)
  ) {
    throw new WsGateConfigError(
      'put(): record must be a v1 TicketRecord with a subject, issuedAt and expiresAt',
    );
  }
  return JSON.stringify({
    v: 1,
    subject: record.subject,
    sessionId: record.sessionId,
    claims: record.claims,
    ip: record.ip,
    origin: record.origin,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
  });
}

/** Counts `{` and `[` in `text` (also inside strings), stopping past `limit`. */
function openingsExceed(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let index = text.indexOf(bracket); index !== -1; index = text.indexOf(bracket, index + 1)) {
      count += 1;
      if (count > limit) return true;
    }
  }
  return false;
}

/**
 * Whether plain `JSON.parse` reads `text` exactly as `parseUntrustedJson` would accept it: no
 * escape sequence (so no disguised key), no `__proto__` or `constructor` anywhere, and too few
 * brackets to nest past the depth limit. A record as `encodeRecord` writes it usually is; anything
 * else takes the careful path.
 */
function isPlainText(text: string): boolean {
  return (
    !text.includes('\\') &&
    !text.includes('__proto__') &&
    !text.includes('constructor') &&
    !openingsExceed(text, MAX_RECORD_DEPTH)
  );
}

function parseRecordText(text: string): unknown {
  if (!isPlainText(text)) {
    const parsed = parseUntrustedJson(text, MAX_RECORD_DEPTH);
    return parsed.ok ? parsed.value : undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads a stored record back. Accepts format v1; refuses any other version (`unknown_version`,
 * e.g. written by a newer release) and anything that is not a well-formed v1 record, including
 * prototype keys (`__proto__`, `constructor.prototype`) and nesting deeper than 32.
 */
export function decodeRecord(text: string): DecodedRecord {
  const parsed = parseRecordText(text);
  if (parsed === undefined || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'malformed' };
  }
  const value = parsed as Record<string, unknown>;
  if (value['v'] !== 1) {
    const version = value['v'];
    const shown =
      typeof version === 'number' || typeof version === 'string'
        ? String(version).slice(0, 32)
        : typeof version;
    return { ok: false, reason: 'unknown_version', version: shown };
  }
  const { subject, sessionId, claims, ip, origin, issuedAt, expiresAt } = value;
  if (
    typeof subject !== 'string' ||
    subject === '' ||
    !optionalString(sessionId) ||
    !optionalString(ip) ||
    !optionalString(origin) ||
    !isClaims(claims) ||
    typeof issuedAt !== 'number' ||
    !Number.isFinite(issuedAt) ||
    typeof expiresAt !== 'number' ||
    !Number.isFinite(expiresAt)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const record: TicketRecord = { v: 1, subject, sessionId, claims, ip, origin, issuedAt, expiresAt };
  return { ok: true, record };
}
