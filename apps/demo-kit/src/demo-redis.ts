// The Redis connections of a sample with REDIS_URL: one for commands (tickets, sessions,
// connection slots, refusal counts, revocation publishes), one for the revocation subscription,
// and those a library asks for (Socket.IO's Redis adapter). All reconnect by themselves.
import {
  createIoRedisCommand,
  createIoRedisSubscriber,
  type RedisCommand,
  RedisConnectionSlots,
  type RedisLogger,
  RedisRefusalCounter,
  RedisRevocationBus,
  RedisTicketStore,
  type RevocationTarget,
} from '@wsgate/redis-store';
import { Redis } from 'ioredis';
import { describeError, type DemoLogger } from './demo-logger.js';

/**
 * A sample's Redis: a command connection that fails fast while Redis is down (no offline
 * queue) and gives up on any command after `commandTimeoutMs` (a stalled Redis answers 503,
 * never a hang), and a subscriber connection for revocations. Errors are logged at `warn`,
 * by message only (never the URL, which may hold a password).
 */
export class DemoRedis {
  /** Runs one command on the command connection, bounded by `commandTimeoutMs`. */
  readonly command: RedisCommand;
  readonly ticketStore: RedisTicketStore;
  /** The connection caps, counted across every instance. */
  readonly connectionSlots: RedisConnectionSlots;
  /** The handshake brute-force limit, counted across every instance. */
  readonly refusalCounter: RedisRefusalCounter;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly others: Redis[] = [];

  constructor(
    private readonly url: string,
    commandTimeoutMs: number,
    instanceTtlMs: number,
    private readonly logger: DemoLogger,
  ) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: commandTimeoutMs,
      lazyConnect: false,
    });
    this.subscriber = new Redis(url, { lazyConnect: false });
    this.client.on('error', (error: unknown) =>
      logger.warn('redis.error', 'redis connection error', { err: describeError(error) }),
    );
    this.subscriber.on('error', (error: unknown) =>
      logger.warn('redis.error', 'redis subscriber error', { err: describeError(error) }),
    );
    this.client.on('ready', () => logger.info('redis.ready', 'redis connection ready'));
    this.command = createIoRedisCommand(this.client);
    this.connectionSlots = new RedisConnectionSlots({
      command: this.command,
      commandTimeoutMs,
      instanceTtlMs,
      logger: this.redisLogger('wsgate.connection_slots'),
    });
    this.ticketStore = new RedisTicketStore({
      command: this.command,
      commandTimeoutMs,
      logger: this.redisLogger('wsgate.ticket_store'),
      // An upgrade takes the ticket and its connection slot in one round trip.
      slots: this.connectionSlots,
    });
    this.refusalCounter = new RedisRefusalCounter({ command: this.command, commandTimeoutMs });
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

  /** A revocation bus (not started) on `registry`: logout across instances. */
  revocationBus(registry: RevocationTarget): RedisRevocationBus {
    return new RedisRevocationBus({
      publish: this.command,
      subscriber: createIoRedisSubscriber(this.subscriber),
      registry,
      logger: this.redisLogger('wsgate.revocation_bus'),
    });
  }

  /**
   * One more connection, for a library that needs its own (`@socket.io/redis-adapter`'s publisher
   * and subscriber). Its commands wait for Redis while it is down instead of failing, since such
   * libraries send without awaiting (a rejection would go unhandled); errors are logged at `warn`
   * as `purpose`. Closed with the others.
   */
  connection(purpose: string): Redis {
    const connection = new Redis(this.url, { lazyConnect: false, maxRetriesPerRequest: null });
    connection.on('error', (error: unknown) =>
      this.logger.warn('redis.error', `redis ${purpose} error`, { err: describeError(error) }),
    );
    this.others.push(connection);
    return connection;
  }

  /** Gives this instance's connection slots back (best effort), then closes every connection. */
  async close(): Promise<void> {
    await this.connectionSlots.close();
    this.client.disconnect();
    this.subscriber.disconnect();
    for (const connection of this.others.splice(0)) connection.disconnect();
  }

  private redisLogger(event: string): RedisLogger {
    return {
      info: (message: string) => this.logger.info(event, message),
      warn: (message: string) => this.logger.warn(event, message),
      error: (message: string) => this.logger.error(event, message),
    };
  }
}
