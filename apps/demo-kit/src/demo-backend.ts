// Everything a sample needs besides its framework, built once from the config.
import type { RedisTicketStore } from '@wsgate/redis-store';
import { DemoAuth } from './demo-auth.js';
import type { DemoConfig } from './demo-config.js';
import type { DemoLogger } from './demo-logger.js';
import { DemoMetrics } from './demo-metrics.js';
import { DemoRedis } from './demo-redis.js';
import { MemorySessionStore } from './memory-session-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import { SessionRevocation } from './session-revocation.js';
import type { SessionStore } from './session-store.js';

/** A sample's backend: sessions, revocation and authentication, in memory or in Redis. */
export interface DemoBackend {
  /** The Redis connections with `REDIS_URL`, else `undefined`. */
  readonly redis: DemoRedis | undefined;
  readonly sessions: SessionStore;
  /** Start it with the gate's connection registry once the gate exists. */
  readonly revocation: SessionRevocation;
  readonly auth: DemoAuth;
  /** The gate's ticket store: Redis with `REDIS_URL`, else `undefined` (the gate's in-memory default). */
  readonly ticketStore: RedisTicketStore | undefined;
  /** The gate's meter and `GET /metrics` (`METRICS`). */
  readonly metrics: DemoMetrics;
  /** Stops the revocation bus, the session store's timers, the metrics and the Redis connections. */
  close(): Promise<void>;
}

/**
 * Builds the backend of `config`: with `REDIS_URL`, tickets, sessions and revocations in Redis
 * (shared by every instance); without, in this process.
 */
export function createDemoBackend(config: DemoConfig, logger: DemoLogger): DemoBackend {
  const redis =
    config.redisUrl === undefined
      ? undefined
      : new DemoRedis(config.redisUrl, config.redisTimeoutMs, config.redisInstanceTtlMs, logger);
  const sessions: SessionStore =
    redis === undefined
      ? new MemorySessionStore({ limits: config.sessions })
      : new RedisSessionStore({ command: redis.command, limits: config.sessions });
  const revocation = new SessionRevocation(redis, logger);
  const metrics = new DemoMetrics(config.metrics);
  return {
    redis,
    sessions,
    revocation,
    auth: new DemoAuth(sessions, revocation, logger),
    ticketStore: redis?.ticketStore,
    metrics,
    async close() {
      await revocation.close();
      sessions.close();
      await metrics.close();
      await redis?.close();
    },
  };
}
