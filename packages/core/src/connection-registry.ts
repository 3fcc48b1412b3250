import { CloseCode } from './close-codes.js';
import { DEFAULTS } from './defaults.js';
import { optionsObject, positiveInteger } from './option-checks.js';
import type { Principal } from './ticket-service.js';

/** The one thing the registry needs of a socket: to close it. `ws`'s `WebSocket` fits. */
export interface ClosableConnection {
  close(code?: number, reason?: string): void;
}

/** Caps on open (and about-to-open) connections. */
export interface ConnectionLimits {
  /** Most connections one subject may hold at once. @default 10 */
  maxPerSubject?: number;
  /** Most connections one client address may hold at once. @default 100 */
  maxPerAddress?: number;
  /** How long an accepted upgrade may hold its slot before its socket is attached. @default 10_000 */
  reservationTimeoutMs?: number;
}

/** A slot taken for an accepted upgrade, before its socket exists. */
export interface ConnectionReservation<C extends ClosableConnection = ClosableConnection> {
  /** Registers the socket in the slot; returns the function that unregisters it (call it on close). */
  attach(connection: C): () => void;
  /** Gives the slot back (the upgrade did not complete). Idempotent. */
  release(): void;
}

/** Result of {@link ConnectionRegistry.tryReserve}. */
export type ReservationResult<C extends ClosableConnection = ClosableConnection> =
  | { readonly ok: true; readonly reservation: ConnectionReservation<C> }
  | { readonly ok: false; readonly reason: 'subject_connection_limit' | 'address_connection_limit' };

/** Tracks open authenticated connections by subject and session, for revocation and limits. */
export interface ConnectionRegistry<C extends ClosableConnection = ClosableConnection> {
  /** Registers a connection without limit checks; returns the function that unregisters it (call it on close). */
  add(principal: Pick<Principal, 'subject' | 'sessionId'>, connection: C, address?: string): () => void;
  /**
   * Takes a slot for an accepted upgrade if the subject and the address are under their caps.
   * Slots not attached within `reservationTimeoutMs` are given back by themselves.
   */
  tryReserve(
    principal: Pick<Principal, 'subject' | 'sessionId'>,
    address: string | undefined,
  ): ReservationResult<C>;
  /** Closes every connection opened from `sessionId` with 4401. Returns how many were closed. */
  revokeSession(sessionId: string, reason?: string): number;
  /** Closes every connection of `subject` with 4401. Returns how many. */
  revokeSubject(subject: string, reason?: string): number;
  /** Connections currently open for a subject. */
  connectionsOf(subject: string): readonly C[];
  /** Number of open connections. */
  readonly size: number;
}

function addTo<C>(index: Map<string, Set<C>>, key: string, connection: C): void {
  const set = index.get(key);
  if (set === undefined) index.set(key, new Set([connection]));
  else set.add(connection);
}

function removeFrom<C>(index: Map<string, Set<C>>, key: string, connection: C): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(connection);
  if (set.size === 0) index.delete(key);
}

/** Longest close reason RFC 6455 allows (125-byte control frame minus the 2-byte code). */
const MAX_CLOSE_REASON_BYTES = 123;

/** Cuts a close reason to 123 UTF-8 bytes without splitting a character (ws throws on longer ones). */
export function truncateCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  const bytes = Buffer.from(reason);
  let end = MAX_CLOSE_REASON_BYTES;
  // Back up over UTF-8 continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

function closeAll<C extends ClosableConnection>(set: Set<C> | undefined, reason: string): number {
  if (set === undefined) return 0;
  const safeReason = truncateCloseReason(reason);
  let closed = 0;
  for (const connection of [...set]) {
    try {
      connection.close(CloseCode.Unauthorized, safeReason);
      closed += 1;
    } catch {
      // A socket that cannot be closed cleanly is already going away; it is not counted as revoked.
    }
  }
  return closed;
}

/**
 * Creates a connection registry: the memory of who holds which socket, so that a logout
 * (`revokeSession`) or an account action (`revokeSubject`) closes those sockets with 4401.
 * Entries leave the registry when their unregister function runs, so it never leaks.
 */
export function createConnectionRegistry<C extends ClosableConnection = ClosableConnection>(
  input?: ConnectionLimits,
): ConnectionRegistry<C> {
  const limits = optionsObject('connections', input);
  const defaults = DEFAULTS.connections;
  const maxPerSubject = positiveInteger(
    'connections.maxPerSubject',
    limits.maxPerSubject,
    defaults.maxPerSubject,
  );
  const maxPerAddress = positiveInteger(
    'connections.maxPerAddress',
    limits.maxPerAddress,
    defaults.maxPerAddress,
  );
  const reservationTimeoutMs = positiveInteger(
    'connections.reservationTimeoutMs',
    limits.reservationTimeoutMs,
    defaults.reservationTimeoutMs,
  );
  const bySubject = new Map<string, Set<C>>();
  const bySession = new Map<string, Set<C>>();
  /** Open plus reserved connections, per subject and per address. */
  const subjectSlots = new Map<string, number>();
  const addressSlots = new Map<string, number>();
  let size = 0;

  const adjust = (counts: Map<string, number>, key: string | undefined, delta: number) => {
    if (key === undefined) return;
    const next = (counts.get(key) ?? 0) + delta;
    if (next <= 0) counts.delete(key);
    else counts.set(key, next);
  };
  const takeSlots = (subject: string, address: string | undefined) => {
    adjust(subjectSlots, subject, 1);
    adjust(addressSlots, address, 1);
  };
  const freeSlots = (subject: string, address: string | undefined) => {
    adjust(subjectSlots, subject, -1);
    adjust(addressSlots, address, -1);
  };

  /** Indexes a connection whose slots are already taken. */
  const register = (
    principal: Pick<Principal, 'subject' | 'sessionId'>,
    connection: C,
    address: string | undefined,
  ) => {
    addTo(bySubject, principal.subject, connection);
    if (principal.sessionId !== undefined) addTo(bySession, principal.sessionId, connection);
    size += 1;
    let registered = true;
    return () => {
      if (!registered) return;
      registered = false;
      size -= 1;
      removeFrom(bySubject, principal.subject, connection);
      if (principal.sessionId !== undefined) removeFrom(bySession, principal.sessionId, connection);
      freeSlots(principal.subject, address);
    };
  };

  return {
    add(principal, connection, address) {
      takeSlots(principal.subject, address);
      return register(principal, connection, address);
    },
    tryReserve(principal, address) {
      if ((subjectSlots.get(principal.subject) ?? 0) >= maxPerSubject)
        return { ok: false, reason: 'subject_connection_limit' };
      if (address !== undefined && (addressSlots.get(address) ?? 0) >= maxPerAddress) {
        return { ok: false, reason: 'address_connection_limit' };
      }
      takeSlots(principal.subject, address);
      let state: 'reserved' | 'attached' | 'released' = 'reserved';
      const release = () => {
        if (state !== 'reserved') return;
        state = 'released';
        clearTimeout(timer);
        freeSlots(principal.subject, address);
      };
      const timer = setTimeout(release, reservationTimeoutMs);
      timer.unref();
      return {
        ok: true,
        reservation: {
          attach(connection) {
            if (state === 'released') takeSlots(principal.subject, address);
            state = 'attached';
            clearTimeout(timer);
            return register(principal, connection, address);
          },
          release,
        },
      };
    },
    revokeSession: (sessionId, reason = DEFAULTS.revocationReasons.session) =>
      closeAll(bySession.get(sessionId), reason),
    revokeSubject: (subject, reason = DEFAULTS.revocationReasons.subject) =>
      closeAll(bySubject.get(subject), reason),
    connectionsOf: (subject) => [...(bySubject.get(subject) ?? [])],
    get size() {
      return size;
    },
  };
}
