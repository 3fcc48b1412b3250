// Everything the sample keeps in Redis when REDIS_URL is set: tickets (RedisTicketStore),
// sessions (RedisSessionStore, over `command`) and revocations (RedisRevocationBus).
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  type RedisCommand,
  type RedisLogger,
  RedisRevocationBus,
  RedisTicketStore,
  type RevocationTarget,
} from '@wsgate/redis-store';
import { Redis } from 'ioredis';

/** Injection token of the {@link RedisBackend}, `null` without REDIS_URL. */
export const REDIS_BACKEND = Symbol('REDIS_BACKEND');

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

/**
 * The Redis connections: a command connection that fails fast while Redis is down (no offline
 * queue, so requests get 503 instead of hanging) and a subscriber connection for revocations.
 * Both reconnect by themselves when Redis comes back; their errors are logged at `warn`.
 */
export class RedisBackend implements OnApplicationShutdown {
  /** Runs one command on the command connection (tickets, sessions, PUBLISH). */
  readonly command: RedisCommand;
  readonly ticketStore: RedisTicketStore;
  private readonly logger = new Logger('Redis');
  private readonly client: Redis;
  private readonly subscriber: Redis;

  constructor(url: string) {
    this.client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.subscriber = new Redis(url, { lazyConnect: false });
    // Error messages name the address at most (never the URL, which may hold a password).
    this.client.on('error', (error: unknown) =>
      this.logger.warn(`redis connection error: ${describe(error)}`),
    );
    this.subscriber.on('error', (error: unknown) =>
      this.logger.warn(`redis subscriber error: ${describe(error)}`),
    );
    this.client.on('ready', () => this.logger.log('redis connection ready'));
    this.command = createIoRedisCommand(this.client);
    this.ticketStore = new RedisTicketStore({
      command: this.command,
      logger: this.busLogger('RedisTicketStore'),
    });
  }

  /**
   * Resolves `true` once the command connection is ready, `false` as soon as it fails or after
   * `timeoutMs` (Redis down at start-up: the sample serves 503s until it is back).
   */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (ready: boolean): void => {
        clearTimeout(timer);
        this.client.removeListener('ready', onReady);
        this.client.removeListener('error', onError);
        resolve(ready);
      };
      const onReady = (): void => settle(true);
      const onError = (): void => settle(false);
      const timer = setTimeout(() => settle(false), timeoutMs);
      this.client.once('ready', onReady);
      this.client.once('error', onError);
    });
  }

  /** A revocation bus on `registry` (not started): logout across instances. */
  revocationBus(registry: RevocationTarget): RedisRevocationBus {
    return new RedisRevocationBus({
      publish: this.command,
      subscriber: createIoRedisSubscriber(this.subscriber),
      registry,
      logger: this.busLogger('RedisRevocationBus'),
    });
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
    this.subscriber.disconnect();
  }

  private busLogger(context: string): RedisLogger {
    const logger = new Logger(context);
    return {
      info: (message: string) => logger.log(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    };
  }
}
