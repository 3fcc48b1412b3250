import { CloseCode } from './close-codes.js';
import { DEFAULTS } from './defaults.js';
import { nonNegativeInteger, optionsObject } from './option-checks.js';
import type { TicketClaims } from './ticket-store.js';

/** What the supervisor needs of a connection, whatever its transport. */
export interface SupervisedConnection {
  /** Closes the connection with a code. */
  close(code: number, reason: string): void;
  /** Drops the connection at once (a dead peer). */
  terminate(): void;
  /**
   * Pings the peer, for transports without a heartbeat of their own (`ws`); report the answer
   * with {@link Supervision.pong}. Omit it when the transport has its own (Engine.IO).
   */
  ping?(): void;
}

/** What a session re-check may answer: still active, ended, or active with updated claims. */
export type SessionStatus = boolean | { readonly claims: TicketClaims };

/** The supervision of one connection. */
export interface Supervision {
  /** The peer answered a ping. */
  pong(): void;
  /** The connection closed: stop every timer of it. Idempotent. */
  stop(): void;
}

/** What to supervise besides the heartbeat. */
export interface SupervisionHooks {
  /** The session re-check (the gate's `isSessionActive` for this principal). */
  readonly sessionCheck?: (() => SessionStatus | Promise<SessionStatus>) | undefined;
  /** Receives updated claims from a session re-check. */
  readonly onClaims?: ((claims: TicketClaims) => void) | undefined;
}

/** The parts of a `ws` WebSocket that {@link ConnectionSupervisor.send} uses. */
export interface SendableSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Options of {@link createConnectionSupervisor}. */
export interface SupervisionOptions {
  /** Ping interval; a peer that has not answered the previous ping is terminated. `0` disables. @default 30_000 */
  heartbeatIntervalMs?: number;
  /**
   * Close connections older than this with 4000 (re-authenticate: the client reconnects with a
   * fresh ticket, which is checked again). `0` disables. @default 0
   */
  maxLifetimeMs?: number;
  /**
   * Re-check the session this often (needs `isSessionActive`): an ended session closes with
   * 4401; updated claims replace the connection's. `0` disables. @default 60_000
   */
  sessionCheckIntervalMs?: number;
  /** Most bytes queued for a slow reader before its socket is closed with 1008. @default 1_048_576 */
  maxBufferedBytes?: number;
}

/** Heartbeat, lifetime, session re-check and slow-reader protection of open connections. */
export interface ConnectionSupervisor {
  readonly maxBufferedBytes: number;
  /**
   * The heartbeat interval (`0`: off). Transports with a heartbeat of their own (Engine.IO) set
   * theirs from it, so that a dead peer is dropped as soon as on `ws`.
   */
  readonly heartbeatIntervalMs: number;
  /** Starts supervising one connection; call `stop()` when it closes. */
  supervise(connection: SupervisedConnection, hooks?: SupervisionHooks): Supervision;
  /**
   * Sends a frame (text, or a value sent as JSON) unless the peer is reading too slowly: past
   * `maxBufferedBytes` queued, the socket is closed with 1008 and `false` is returned. Does
   * nothing on a socket that is not open.
   */
  send(socket: SendableSocket, frame: string | object): boolean;
}

const OPEN = 1;

/** The reason of the 1008 close of a peer that reads too slowly (its send buffer passed `maxBufferedBytes`). */
export const SEND_BUFFER_FULL_REASON = 'send buffer full';

/** What one connection's supervision reaches of its supervisor. */
interface SupervisorState {
  pong(connection: SupervisedConnection): void;
  stop(connection: SupervisedConnection): void;
}

/** The supervision of one connection: one small object (the timers are the supervisor's). */
class ConnectionSupervision implements Supervision {
  readonly #supervisor: SupervisorState;
  readonly #connection: SupervisedConnection;
  #lifetimeTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    supervisor: SupervisorState,
    connection: SupervisedConnection,
    lifetimeTimer: NodeJS.Timeout | undefined,
  ) {
    this.#supervisor = supervisor;
    this.#connection = connection;
    this.#lifetimeTimer = lifetimeTimer;
  }

  pong(): void {
    this.#supervisor.pong(this.#connection);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#lifetimeTimer !== undefined) clearTimeout(this.#lifetimeTimer);
    this.#lifetimeTimer = undefined;
    this.#supervisor.stop(this.#connection);
  }
}

/**
 * Creates the connection supervisor: heartbeat (dead peers are terminated), optional maximum
 * lifetime (4000, re-authenticate), periodic session re-check (a session that ended closes its
 * connections with 4401 even without an explicit logout; updated claims are applied) and a send
 * buffer cap (a slow reader is closed with 1008 rather than making the server buffer without
 * bound). One timer per concern for all connections, `unref()`ed.
 */
export function createConnectionSupervisor(input?: SupervisionOptions): ConnectionSupervisor {
  const options = optionsObject('supervision', input);
  const defaults = DEFAULTS.supervision;
  const heartbeatIntervalMs = nonNegativeInteger(
    'supervision.heartbeatIntervalMs',
    options.heartbeatIntervalMs,
    defaults.heartbeatIntervalMs,
  );
  const maxLifetimeMs = nonNegativeInteger(
    'supervision.maxLifetimeMs',
    options.maxLifetimeMs,
    defaults.maxLifetimeMs,
  );
  const sessionCheckIntervalMs = nonNegativeInteger(
    'supervision.sessionCheckIntervalMs',
    options.sessionCheckIntervalMs,
    defaults.sessionCheckIntervalMs,
  );
  const maxBufferedBytes = nonNegativeInteger(
    'supervision.maxBufferedBytes',
    options.maxBufferedBytes,
    defaults.maxBufferedBytes,
  );

  /** Connections with a heartbeat, and whether each answered since the last ping. */
  const heartbeat = new Map<SupervisedConnection, boolean>();
  const sessionChecks = new Map<SupervisedConnection, SupervisionHooks>();
  // Connections whose session check has not settled yet: a hung session store must not pile up
  // one pending check per connection per interval.
  const checking = new Set<SupervisedConnection>();
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let sessionTimer: NodeJS.Timeout | undefined;

  const beat = () => {
    for (const [connection, alive] of heartbeat) {
      if (!alive) {
        connection.terminate();
        continue;
      }
      heartbeat.set(connection, false);
      connection.ping?.();
    }
  };
  const recheckSessions = () => {
    for (const [connection, hooks] of sessionChecks) {
      if (checking.has(connection) || hooks.sessionCheck === undefined) continue;
      checking.add(connection);
      Promise.resolve()
        .then(() => hooks.sessionCheck?.())
        .then(
          (status) => {
            if (!sessionChecks.has(connection)) return;
            if (status === false) connection.close(CloseCode.Unauthorized, 'session ended');
            else if (typeof status === 'object' && status !== null) hooks.onClaims?.(status.claims);
          },
          () => undefined, // A failing check (store down) keeps the connection: revocation still reaches it.
        )
        .finally(() => checking.delete(connection));
    }
  };
  const startTimer = (intervalMs: number, tick: () => void) => {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return timer;
  };
  const watched: SupervisorState = {
    pong(connection) {
      if (heartbeat.has(connection)) heartbeat.set(connection, true);
    },
    stop(connection) {
      heartbeat.delete(connection);
      sessionChecks.delete(connection);
      checking.delete(connection);
      if (heartbeat.size === 0 && heartbeatTimer !== undefined) {
        clearInterval(heartbeatTimer);
        heartbeatTimer = undefined;
      }
      if (sessionChecks.size === 0 && sessionTimer !== undefined) {
        clearInterval(sessionTimer);
        sessionTimer = undefined;
      }
    },
  };

  return Object.freeze({
    maxBufferedBytes,
    heartbeatIntervalMs,
    supervise(connection: SupervisedConnection, hooks: SupervisionHooks = {}): Supervision {
      if (heartbeatIntervalMs > 0 && connection.ping !== undefined) {
        heartbeat.set(connection, true);
        heartbeatTimer ??= startTimer(heartbeatIntervalMs, beat);
      }
      let lifetimeTimer: NodeJS.Timeout | undefined;
      if (maxLifetimeMs > 0) {
        lifetimeTimer = setTimeout(
          () => connection.close(CloseCode.Reauthenticate, 'connection lifetime reached'),
          maxLifetimeMs,
        );
        lifetimeTimer.unref();
      }
      if (sessionCheckIntervalMs > 0 && hooks.sessionCheck !== undefined) {
        sessionChecks.set(connection, hooks);
        sessionTimer ??= startTimer(sessionCheckIntervalMs, recheckSessions);
      }
      return new ConnectionSupervision(watched, connection, lifetimeTimer);
    },
    send(socket: SendableSocket, frame: string | object): boolean {
      if (socket.readyState !== OPEN) return false;
      const data = typeof frame === 'string' ? frame : JSON.stringify(frame);
      if (maxBufferedBytes > 0 && socket.bufferedAmount + Buffer.byteLength(data) > maxBufferedBytes) {
        socket.close(CloseCode.PolicyViolation, SEND_BUFFER_FULL_REASON);
        return false;
      }
      socket.send(data);
      return true;
    },
  });
}
