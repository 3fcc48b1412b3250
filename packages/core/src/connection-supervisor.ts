import { CloseCode } from './close-codes.js';
import { WsGateConfigError } from './errors.js';

/** The parts of a `ws` WebSocket the supervisor uses. */
export interface SupervisedSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  send(data: string): void;
  on(event: 'pong' | 'close', listener: () => void): unknown;
}

/** Options of {@link createConnectionSupervisor}. */
export interface SupervisionOptions {
  /** Ping interval; a peer that has not answered the previous ping is terminated. `0` disables. @default 30_000 */
  heartbeatIntervalMs?: number;
  /** Close connections older than this with 4401 (re-authenticate). `0` disables. @default 0 */
  maxLifetimeMs?: number;
  /** Re-check the session this often (needs `isSessionActive`); an ended session closes with 4401. `0` disables. @default 60_000 */
  sessionCheckIntervalMs?: number;
  /** Most bytes queued for a slow reader before its socket is closed with 1008. @default 1_048_576 */
  maxBufferedBytes?: number;
}

/** Resolved supervision settings. */
export interface ConnectionSupervisor {
  readonly maxBufferedBytes: number;
  /**
   * Starts heartbeat, lifetime and session re-check timers for one socket; they stop when it
   * closes. `isSessionActive` is the gate's session check, if any.
   */
  supervise(socket: SupervisedSocket, isSessionActive?: () => boolean | Promise<boolean>): void;
  /**
   * Sends a frame unless the peer is reading too slowly: past `maxBufferedBytes` queued, the
   * socket is closed with 1008 and `false` is returned. Does nothing on a socket that is not open.
   */
  send(socket: SupervisedSocket, data: string): boolean;
}

const OPEN = 1;

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new WsGateConfigError(`supervision.${name} must be a non-negative integer`);
  return value;
}

/**
 * Creates the connection supervisor: heartbeat (dead peers are terminated), optional maximum
 * lifetime, periodic session re-check (a session that ended closes its sockets with 4401 even
 * without an explicit logout) and a send buffer cap (a slow reader is closed with 1008 rather
 * than making the server buffer without bound). Timers are `unref()`ed.
 */
export function createConnectionSupervisor(options: SupervisionOptions = {}): ConnectionSupervisor {
  const heartbeatIntervalMs = nonNegativeInteger(
    'heartbeatIntervalMs',
    options.heartbeatIntervalMs ?? 30_000,
  );
  const maxLifetimeMs = nonNegativeInteger('maxLifetimeMs', options.maxLifetimeMs ?? 0);
  const sessionCheckIntervalMs = nonNegativeInteger(
    'sessionCheckIntervalMs',
    options.sessionCheckIntervalMs ?? 60_000,
  );
  const maxBufferedBytes = nonNegativeInteger('maxBufferedBytes', options.maxBufferedBytes ?? 1_048_576);

  // One timer per concern for all sockets, not one per socket: idle connections stay cheap.
  const heartbeat = new Map<SupervisedSocket, { alive: boolean }>();
  const sessionChecks = new Map<SupervisedSocket, () => boolean | Promise<boolean>>();
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let sessionTimer: NodeJS.Timeout | undefined;

  const beat = () => {
    for (const [socket, state] of heartbeat) {
      if (!state.alive) {
        socket.terminate();
        continue;
      }
      state.alive = false;
      if (socket.readyState === OPEN) socket.ping();
    }
  };
  // Sockets whose session check has not settled yet: a hung session store must not pile up one
  // pending check per socket per interval.
  const checking = new Set<SupervisedSocket>();
  const recheckSessions = () => {
    for (const [socket, isSessionActive] of sessionChecks) {
      if (checking.has(socket)) continue;
      checking.add(socket);
      Promise.resolve()
        .then(isSessionActive)
        .then(
          (active) => {
            if (!active) socket.close(CloseCode.Unauthorized, 'session ended');
          },
          () => undefined, // A failing check (store down) keeps the socket: revocation still reaches it.
        )
        .finally(() => checking.delete(socket));
    }
  };
  const startTimer = (intervalMs: number, tick: () => void) => {
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return timer;
  };

  return Object.freeze({
    maxBufferedBytes,
    supervise(socket: SupervisedSocket, isSessionActive?: () => boolean | Promise<boolean>) {
      let lifetimeTimer: NodeJS.Timeout | undefined;
      if (heartbeatIntervalMs > 0) {
        const state = { alive: true };
        heartbeat.set(socket, state);
        socket.on('pong', () => {
          state.alive = true;
        });
        heartbeatTimer ??= startTimer(heartbeatIntervalMs, beat);
      }
      if (maxLifetimeMs > 0) {
        lifetimeTimer = setTimeout(
          () => socket.close(CloseCode.Unauthorized, 'connection lifetime reached'),
          maxLifetimeMs,
        );
        lifetimeTimer.unref();
      }
      if (sessionCheckIntervalMs > 0 && isSessionActive !== undefined) {
        sessionChecks.set(socket, isSessionActive);
        sessionTimer ??= startTimer(sessionCheckIntervalMs, recheckSessions);
      }
      socket.on('close', () => {
        if (lifetimeTimer !== undefined) clearTimeout(lifetimeTimer);
        heartbeat.delete(socket);
        sessionChecks.delete(socket);
        checking.delete(socket);
        if (heartbeat.size === 0 && heartbeatTimer !== undefined) {
          clearInterval(heartbeatTimer);
          heartbeatTimer = undefined;
        }
        if (sessionChecks.size === 0 && sessionTimer !== undefined) {
          clearInterval(sessionTimer);
          sessionTimer = undefined;
        }
      });
    },
    send(socket: SupervisedSocket, data: string): boolean {
      if (socket.readyState !== OPEN) return false;
      if (maxBufferedBytes > 0 && socket.bufferedAmount + Buffer.byteLength(data) > maxBufferedBytes) {
        socket.close(CloseCode.PolicyViolation, 'send buffer full');
        return false;
      }
      socket.send(data);
      return true;
    },
  });
}
