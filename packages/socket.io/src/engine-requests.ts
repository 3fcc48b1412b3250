import type { HandshakeRefusalCode, HandshakeRefusalReason } from '@wsgate/core';

/** The query of an Engine.IO request, as Engine.IO itself reads it (the last value of a repeated name wins). */
export type EngineQuery = Readonly<Record<string, string | undefined>>;

/** What an Engine.IO request is, for the gate. */
export type EngineRequestKind =
  /** Opens a session: carries the ticket. */
  | { readonly kind: 'handshake' }
  /** A later request of an open session (long-polling, or its upgrade): carries `sid`. */
  | { readonly kind: 'session'; readonly sid: string }
  /** Refused before any ticket is looked at (so a ticket in it is not consumed). */
  | {
      readonly kind: 'refused';
      readonly code: Extract<HandshakeRefusalCode, 'BAD_HANDSHAKE' | 'METHOD_NOT_ALLOWED'>;
      readonly reason: Extract<
        HandshakeRefusalReason,
        'bad_handshake' | 'method_not_allowed' | 'transport_not_allowed'
      >;
    };

const TRANSPORT_NOT_ALLOWED = Object.freeze({
  kind: 'refused',
  code: 'BAD_HANDSHAKE',
  reason: 'transport_not_allowed',
} as const);
const BAD_HANDSHAKE = Object.freeze({
  kind: 'refused',
  code: 'BAD_HANDSHAKE',
  reason: 'bad_handshake',
} as const);
const METHOD_NOT_ALLOWED = Object.freeze({
  kind: 'refused',
  code: 'METHOD_NOT_ALLOWED',
  reason: 'method_not_allowed',
} as const);

/**
 * Classifies an Engine.IO request from what Engine.IO will act on (its parsed query, whether it
 * is a WebSocket upgrade, its method):
 * - protocol 4 only (Engine.IO 3 has other semantics), never JSONP (`j`: readable cross-site);
 * - `transport=websocket` only as an upgrade, `transport=polling` only as plain HTTP and only
 *   with `polling` on; any other transport is refused;
 * - a request with `sid` belongs to a session, which only long-polling has: refused without it;
 * - a handshake (no `sid`) is a `GET`.
 */
export function classifyEngineRequest(
  query: EngineQuery,
  upgrade: boolean,
  method: string | undefined,
  polling: boolean,
): EngineRequestKind {
  if (query['EIO'] !== '4') return BAD_HANDSHAKE;
  if (query['j'] !== undefined) return TRANSPORT_NOT_ALLOWED;
  const transport = query['transport'];
  if (transport === 'websocket') {
    if (!upgrade) return BAD_HANDSHAKE;
  } else if (transport === 'polling') {
    if (upgrade) return BAD_HANDSHAKE;
    if (!polling) return TRANSPORT_NOT_ALLOWED;
  } else {
    return TRANSPORT_NOT_ALLOWED;
  }
  const sid = query['sid'];
  if (sid !== undefined) return polling ? { kind: 'session', sid } : TRANSPORT_NOT_ALLOWED;
  if (!upgrade && method !== 'GET') return METHOD_NOT_ALLOWED;
  return { kind: 'handshake' };
}

/** Engine.IO's reading of a request's query: `URLSearchParams`, the last value of a repeated name. */
export function engineQueryOf(url: string | undefined): EngineQuery {
  try {
    return Object.fromEntries(new URL(url ?? '/', 'http://engine.io').searchParams.entries());
  } catch {
    return {};
  }
}
