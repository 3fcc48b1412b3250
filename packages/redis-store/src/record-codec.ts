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

/**
 * Reads a stored record back. Accepts format v1; refuses any other version (`unknown_version`,
 * e.g. written by a newer release) and anything that is not a well-formed v1 record.
 */
export function decodeRecord(text: string): DecodedRecord {
  const parsed = parseUntrustedJson(text, MAX_RECORD_DEPTH);
  if (
    !parsed.ok ||
    parsed.value === null ||
    typeof parsed.value !== 'object' ||
    Array.isArray(parsed.value)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const value = parsed.value as Record<string, unknown>;
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
