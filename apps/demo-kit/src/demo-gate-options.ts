// The @wsgate options both samples share, from the config and the backend: the samples add
// only their framework's part (the ticket route's authentication, the envelope).
import type {
  Principal,
  SessionStatus,
  TicketServiceOptions,
  WsGateMeter,
  WsGateOptions,
} from '@wsgate/core';
import type { DemoBackend } from './demo-backend.js';
import type { DemoConfig } from './demo-config.js';

/** The gate options every sample passes (its adapter's options extend these). */
export interface DemoGateOptions extends Required<
  Pick<
    WsGateOptions,
    'origins' | 'transport' | 'refusal' | 'supervision' | 'connections' | 'bruteForce' | 'drain'
  >
> {
  readonly tickets: TicketServiceOptions;
  readonly isSessionActive: (principal: Pick<Principal, 'sessionId'>) => Promise<SessionStatus>;
  readonly meter?: WsGateMeter;
}

/**
 * The demo's gate options: Origins, tickets (in Redis with `REDIS_URL`), transport, refusal
 * mode, the session check with the session's current roles, supervision (`WS_MAX_LIFETIME_MS`,
 * `WS_SESSION_CHECK_INTERVAL_MS`), connection caps and the brute-force limit (across instances
 * with `REDIS_URL`, else per instance), the drain (`WS_DRAIN_*`) and the meter (`METRICS`).
 */
export function demoGateOptions(config: DemoConfig, backend: DemoBackend): DemoGateOptions {
  const { webSocket } = config;
  const { redis } = backend;
  return {
    origins: { allow: [...config.allowedOrigins] },
    tickets: {
      ttlMs: config.ticketTtlMs,
      ...(backend.ticketStore === undefined ? {} : { store: backend.ticketStore }),
    },
    transport: { trustProxy: config.trustProxy, requireSecure: config.requireSecure },
    refusal: config.refusal,
    // A ticket fetched before logout opens no socket; open sockets follow the session's roles.
    isSessionActive: (principal) => backend.auth.isSessionActive(principal.sessionId),
    supervision: {
      maxLifetimeMs: webSocket.maxLifetimeMs,
      sessionCheckIntervalMs: webSocket.sessionCheckIntervalMs,
    },
    connections: {
      maxPerSubject: webSocket.maxPerSubject,
      maxPerAddress: webSocket.maxPerAddress,
      ...(redis === undefined ? {} : { slots: redis.connectionSlots }),
    },
    bruteForce: redis === undefined ? {} : { counter: redis.refusalCounter },
    drain: { delayMs: webSocket.drainDelayMs, timeoutMs: webSocket.drainTimeoutMs },
    ...(backend.metrics.meter === undefined ? {} : { meter: backend.metrics.meter }),
  };
}
