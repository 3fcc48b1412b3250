// Closing a session's sockets (4401) when it ends: on this instance at once, and through the
// Redis revocation bus on every other instance.
import type { RedisRevocationBus, RevocationTarget } from '@wsgate/redis-store';
import { describeError, type DemoLogger } from './demo-logger.js';
import type { DemoRedis } from './demo-redis.js';

/** Close reason of a socket whose session ended (logout or eviction). */
export const SESSION_ENDED_REASON = 'session ended';
/** How long start-up waits for Redis before serving anyway (503s until it is reachable). */
const REDIS_STARTUP_WAIT_MS = 3_000;
/** Retry interval of the revocation subscription while Redis is unreachable at start-up. */
const SUBSCRIBE_RETRY_MS = 2_000;

/** What the login and logout flows need: close a session's sockets. */
export interface SessionRevoker {
  /** Closes the session's sockets on this instance, at once, without any I/O. */
  closeLocal(sessionId: string): void;
  /** Closes them here, then on every other instance. Never rejects: a failed publish is logged. */
  revoke(sessionId: string): Promise<void>;
}

/**
 * Session revocation on a sample's connection registry. Without Redis: this process's
 * sockets. With Redis: also through a `RedisRevocationBus`, subscribed at start-up or, while
 * Redis is unreachable, retried in the background. Outstanding tickets of an ended session are
 * refused at the upgrade by the session check, not here.
 */
export class SessionRevocation implements SessionRevoker {
  private registry: RevocationTarget | undefined;
  private bus: RedisRevocationBus | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly redis: DemoRedis | undefined,
    private readonly logger: DemoLogger,
  ) {}

  /** Starts revoking on `registry` (the gate's connection registry); with Redis, subscribes the bus. */
  async start(registry: RevocationTarget): Promise<void> {
    this.registry = registry;
    if (this.redis === undefined) return;
    if (!(await this.redis.whenReady(REDIS_STARTUP_WAIT_MS)))
      this.logger.warn('redis.unreachable', 'redis is not reachable yet: serving 503s until it is');
    this.bus = this.redis.revocationBus(registry);
    await this.subscribe();
  }

  closeLocal(sessionId: string): void {
    this.registry?.revokeSession(sessionId, SESSION_ENDED_REASON);
  }

  async revoke(sessionId: string): Promise<void> {
    this.closeLocal(sessionId);
    if (this.bus === undefined) return;
    try {
      await this.bus.revokeSession(sessionId, SESSION_ENDED_REASON);
    } catch (error) {
      // The local sockets are closed already; other instances re-check the session on their own.
      this.logger.warn('wsgate.revocation_publish_failed', 'revocation not published', {
        err: describeError(error),
      });
    }
  }

  /** Stops the retries and the bus. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.bus?.close();
  }

  /** Subscribes the bus; while Redis is unreachable, retries in the background. */
  private async subscribe(): Promise<void> {
    const bus = this.bus;
    if (bus === undefined || this.closed) return;
    try {
      await bus.start();
      this.logger.info('wsgate.revocation_bus', 'revocation bus subscribed');
    } catch (error) {
      if (this.closed) return;
      this.logger.warn(
        'wsgate.revocation_bus',
        `revocation bus not subscribed, retrying in ${SUBSCRIBE_RETRY_MS} ms`,
        {
          err: describeError(error),
        },
      );
      this.retryTimer = setTimeout(() => void this.subscribe(), SUBSCRIBE_RETRY_MS);
      this.retryTimer.unref();
    }
  }
}
