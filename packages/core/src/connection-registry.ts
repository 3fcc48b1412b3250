import { CloseCode } from './close-codes.js';
import type { Principal } from './ticket-service.js';

/** The one thing the registry needs of a socket: to close it. `ws`'s `WebSocket` fits. */
export interface ClosableConnection {
  close(code?: number, reason?: string): void;
}

/** Tracks open authenticated connections by subject and session, for revocation. */
export interface ConnectionRegistry<C extends ClosableConnection = ClosableConnection> {
  /** Registers a connection; returns the function that unregisters it (call it on close). */
  add(principal: Pick<Principal, 'subject' | 'sessionId'>, connection: C): () => void;
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
  let result = '';
  for (const character of reason) {
    if (Buffer.byteLength(result + character) > MAX_CLOSE_REASON_BYTES) break;
    result += character;
  }
  return result;
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
export function createConnectionRegistry<C extends ClosableConnection = ClosableConnection>(): ConnectionRegistry<C> {
  const bySubject = new Map<string, Set<C>>();
  const bySession = new Map<string, Set<C>>();
  let size = 0;

  return {
    add(principal, connection) {
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
      };
    },
    revokeSession: (sessionId, reason = 'session revoked') => closeAll(bySession.get(sessionId), reason),
    revokeSubject: (subject, reason = 'subject revoked') => closeAll(bySubject.get(subject), reason),
    connectionsOf: (subject) => [...(bySubject.get(subject) ?? [])],
    get size() {
      return size;
    },
  };
}
