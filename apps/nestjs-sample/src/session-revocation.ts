import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { RedisRevocationBus } from '@wsgate/redis-store';
import { WsGateService } from '@wsgate/nestjs';
import { REDIS_BACKEND, type RedisBackend } from './redis-backend.js';
import { SessionStore } from './sessions.js';

const REASON = 'session ended';
/** How long start-up waits for Redis before serving anyway (503s until it is reachable). */
const REDIS_STARTUP_WAIT_MS = 3_000;
/** Retry interval of the revocation subscription while Redis is unreachable at start-up. */
const SUBSCRIBE_RETRY_MS = 2_000;

/**
 * Closes a session's sockets (4401) as soon as it ends. Without REDIS_URL: this process's
 * sockets. With REDIS_URL: through the RedisRevocationBus on the gate's connection registry,
 * so a logout on one instance closes the session's sockets on every instance. Outstanding
 * tickets of an ended session are refused at the upgrade by `isSessionActive`.
 */
@Injectable()
export class SessionRevocation implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SessionRevocation');
  private bus: RedisRevocationBus | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    sessions: SessionStore,
    private readonly wsGate: WsGateService,
    @Inject(REDIS_BACKEND) private readonly redis: RedisBackend | null,
  ) {
    // Sessions that end by themselves in this process (in memory: expiry, eviction).
    sessions.onExpire((session) => {
      this.wsGate.revokeSession(session.id, REASON);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.redis === null) return;
    if (!(await this.redis.whenReady(REDIS_STARTUP_WAIT_MS)))
      this.logger.warn('redis is not reachable yet: serving 503s until it is');
    this.bus = this.redis.revocationBus(this.wsGate.gate.registry);
    await this.subscribe();
  }

  /** Closes the sessions's sockets here and, with Redis, on every other instance. Never rejects. */
  async revoke(sessionId: string): Promise<void> {
    if (this.bus === undefined) {
      this.wsGate.revokeSession(sessionId, REASON);
      return;
    }
    try {
      await this.bus.revokeSession(sessionId, REASON);
    } catch (error) {
      // The local sockets are closed already; other instances re-check the session on their own.
      this.logger.warn(
        `revocation not published: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
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
      this.logger.log('revocation bus subscribed');
    } catch (error) {
      if (this.closed) return;
      this.logger.warn(
        `revocation bus not subscribed, retrying in ${SUBSCRIBE_RETRY_MS} ms: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
      this.retryTimer = setTimeout(() => void this.subscribe(), SUBSCRIBE_RETRY_MS);
      this.retryTimer.unref();
    }
  }
}
