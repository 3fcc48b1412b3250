import { CloseCode } from './close-codes.js';
import { DEFAULTS } from './defaults.js';
import type { Principal } from './ticket-service.js';

/** What the registry needs of a socket: to close it (and, to end a drain, to drop it). `ws`'s `WebSocket` fits. */
export interface ClosableConnection {
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, without a close handshake (a drain past its deadline). */
  terminate?(): void;
}

/** A slot taken for an accepted upgrade, before its socket exists. */
export interface ConnectionReservation<C extends ClosableConnection = ClosableConnection> {
  /** Registers the socket in the slot; returns the function that unregisters it (call it on close). */
  attach(connection: C): () => void;
  /** Unregisters the attached socket and gives its slot back, as the function `attach` returned. Once. */
  detach(): void;
  /** Gives the slot back (the upgrade did not complete). Idempotent. */
  release(): void;
}

/** Result of {@link ConnectionSlots.reserve}. */
export type ReservationResult<C extends ClosableConnection = ClosableConnection> =
  | { readonly ok: true; readonly reservation: ConnectionReservation<C> }
  | { readonly ok: false; readonly reason: 'subject_connection_limit' | 'address_connection_limit' };

/**
 * Tracks this process's open authenticated connections by subject and session, for revocation
 * and drain. (The caps on connections are counted by the gate's connection slots.)
 */
export interface ConnectionRegistry<C extends ClosableConnection = ClosableConnection> {
  /** Registers a connection; returns the function that unregisters it (call it on close). */
  add(principal: Pick<Principal, 'subject' | 'sessionId'>, connection: C): () => void;
  /** Unregisters a connection registered with `principal` (as the function `add` returned; at most once). */
  remove(principal: Pick<Principal, 'subject' | 'sessionId'>, connection: C): void;
  /**
   * Closes every connection opened from `sessionId` with 4401. Returns how many were closed (a
   * connection already being closed by the registry is not closed, nor counted, again).
   */
  revokeSession(sessionId: string, reason?: string): number;
  /** Closes every connection of `subject` with 4401. Returns how many (as `revokeSession`). */
  revokeSubject(subject: string, reason?: string): number;
  /** Closes every connection with `code` (a drain: 1012). Returns how many (as `revokeSession`). */
  closeAll(code: number, reason: string): number;
  /** Drops every connection still registered at once (`terminate()`, else `close()`). Returns how many. */
  terminateAll(): number;
  /** Resolves once no connection is registered (at once when none is). */
  whenEmpty(): Promise<void>;
  /** Connections currently open for a subject. */
  connectionsOf(subject: string): readonly C[];
  /** Number of open connections. */
  readonly size: number;
}

/** Options of {@link createConnectionRegistry}. */
export interface ConnectionRegistryOptions {
  /** Called after every revocation with the number of connections it closed (the gate's metrics). */
  readonly onRevoke?: (kind: 'session' | 'subject', closed: number) => void;
}

/** Two or more connections under one key (one connection is kept as it is, without a set). */
class ConnectionGroup<C> extends Set<C> {}

/** An index by subject or session: most keys hold one connection, kept without a set. */
type ConnectionIndex<C> = Map<string, C | ConnectionGroup<C>>;

function addTo<C>(index: ConnectionIndex<C>, key: string, connection: C): void {
  const held = index.get(key);
  if (held === undefined) index.set(key, connection);
  else if (held instanceof ConnectionGroup) held.add(connection);
  else if (held !== connection) index.set(key, new ConnectionGroup([held, connection]));
}

function removeFrom<C>(index: ConnectionIndex<C>, key: string, connection: C): void {
  const held = index.get(key);
  if (held === undefined) return;
  if (!(held instanceof ConnectionGroup)) {
    if (held === connection) index.delete(key);
    return;
  }
  held.delete(connection);
  if (held.size === 1) index.set(key, held.values().next().value as C);
  else if (held.size === 0) index.delete(key);
}

/** The connections under one key of an index. */
function entriesOf<C>(held: C | ConnectionGroup<C> | undefined): readonly C[] {
  if (held === undefined) return [];
  return held instanceof ConnectionGroup ? [...held] : [held];
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

/**
 * Creates a connection registry: the memory of who holds which socket, so that a logout
 * (`revokeSession`) or an account action (`revokeSubject`) closes those sockets with 4401, and
 * a drain closes them all. Entries leave the registry when their unregister function runs, so
 * it never leaks.
 */
export function createConnectionRegistry<C extends ClosableConnection = ClosableConnection>(
  options: ConnectionRegistryOptions = {},
): ConnectionRegistry<C> {
  const { onRevoke } = options;
  const all = new Set<C>();
  const bySubject: ConnectionIndex<C> = new Map();
  const bySession: ConnectionIndex<C> = new Map();
  let emptied: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Connections the registry already closed (revoked, drained): closed once, counted once. */
  const closing = new WeakSet<C>();

  const closeEach = (connections: readonly C[], code: number, reason: string): number => {
    if (connections.length === 0) return 0;
    const safeReason = truncateCloseReason(reason);
    let closed = 0;
    for (const connection of connections) {
      if (closing.has(connection)) continue;
      try {
        connection.close(code, safeReason);
        closing.add(connection);
        closed += 1;
      } catch {
        // A socket that cannot be closed cleanly is already going away; it is not counted.
      }
    }
    return closed;
  };

  const registry: ConnectionRegistry<C> = {
    add(principal, connection) {
      all.add(connection);
      addTo(bySubject, principal.subject, connection);
      if (principal.sessionId !== undefined) addTo(bySession, principal.sessionId, connection);
      let registered = true;
      return () => {
        if (!registered) return;
        registered = false;
        registry.remove(principal, connection);
      };
    },
    remove(principal, connection) {
      if (!all.delete(connection)) return;
      removeFrom(bySubject, principal.subject, connection);
      if (principal.sessionId !== undefined) removeFrom(bySession, principal.sessionId, connection);
      if (all.size === 0 && emptied !== undefined) {
        emptied.resolve();
        emptied = undefined;
      }
    },
    revokeSession(sessionId, reason = DEFAULTS.revocationReasons.session) {
      const closed = closeEach(entriesOf(bySession.get(sessionId)), CloseCode.Unauthorized, reason);
      onRevoke?.('session', closed);
      return closed;
    },
    revokeSubject(subject, reason = DEFAULTS.revocationReasons.subject) {
      const closed = closeEach(entriesOf(bySubject.get(subject)), CloseCode.Unauthorized, reason);
      onRevoke?.('subject', closed);
      return closed;
    },
    closeAll: (code, reason) => closeEach([...all], code, reason),
    terminateAll() {
      let dropped = 0;
      for (const connection of [...all]) {
        try {
          if (connection.terminate === undefined) connection.close();
          else connection.terminate();
          dropped += 1;
        } catch {
          // gone already
        }
      }
      return dropped;
    },
    whenEmpty() {
      if (all.size === 0) return Promise.resolve();
      if (emptied === undefined) {
        let resolve!: () => void;
        const promise = new Promise<void>((done) => {
          resolve = done;
        });
        emptied = { promise, resolve };
      }
      return emptied.promise;
    },
    connectionsOf: (subject) => entriesOf(bySubject.get(subject)),
    get size() {
      return all.size;
    },
  };
  return registry;
}
