import { randomUUID } from 'node:crypto';
import { WsGateConfigError, type ConnectionRegistry } from '@wsgate/core';
import { evalScript, replyInteger, runCommand, settleWithin, type CommandOutcome } from './command-runner.js';
import { RevocationBusClosedError, RevocationBusUnavailableError } from './errors.js';
import { describeError, logTo, type RedisLogger } from './logger.js';
import { PUBLISH_REVOCATION_SCRIPT } from './lua-scripts.js';
import { nonEmptyString, optionalLogger, positiveInteger, requiredFunction } from './option-checks.js';
import type { RedisCommand } from './redis-command.js';
import type { RedisSubscriber } from './redis-subscriber.js';
import { RevocationCursor } from './revocation-cursor.js';
import {
  encodeRevocation,
  isValidReason,
  isValidRevocationId,
  MAX_ID_LENGTH,
  MAX_REASON_BYTES,
  parseRevocation,
  type RevocationKind,
} from './revocation-message.js';
import { parseStreamEntries, type StreamEntry } from './revocation-stream.js';

/** What the bus needs of a registry: core's `ConnectionRegistry` (any connection type) fits. */
export type RevocationTarget = Pick<ConnectionRegistry, 'revokeSession' | 'revokeSubject'>;

/**
 * The revocation stream: every revocation is also appended to a bounded Redis Stream, and a bus
 * whose subscriber connection comes back replays what it missed from there (see
 * {@link RedisRevocationBus}). Needs Redis ≥ 6.2.
 */
export interface RevocationStreamOptions {
  /** Key of the stream, shared by every instance. @default 'wsgate:revocations:stream' */
  key?: string;
  /** About how many revocations the stream keeps (`XADD … MAXLEN ~`). @default 10_000 */
  maxLength?: number;
  /**
   * How long the stream keeps a revocation, in ms (`XTRIM … MINID ~`): an instance cut off from
   * Redis for longer may miss older ones. The stream expires after this long without a revocation.
   * @default 600_000 (10 minutes)
   */
  maxAgeMs?: number;
  /** Wait before retrying a replay that failed (e.g. the command connection is not back yet), in ms. @default 1_000 */
  replayRetryMs?: number;
}

/** Options of {@link RedisRevocationBus}. */
export interface RedisRevocationBusOptions {
  /**
   * Required. Sends the publish script (or `PUBLISH`) and the replay's `XRANGE`, on a normal,
   * non-subscriber connection: the same {@link RedisCommand} as the ticket store is fine.
   */
  publish: RedisCommand;
  /**
   * Required. The subscriber connection, adapted: {@link createIoRedisSubscriber} or
   * {@link createNodeRedisSubscriber} over a connection used for nothing else.
   */
  subscriber: RedisSubscriber;
  /** Required. This instance's connection registry (core `ConnectionRegistry`, e.g. `gate.registry`). */
  registry: RevocationTarget;
  /** Pub/sub channel shared by every instance. @default 'wsgate:revocations' */
  channel?: string;
  /**
   * The revocation stream (durable revocation), or `false` for pub/sub alone (a revocation
   * published while an instance is disconnected then never reaches it; works on Redis < 6.2).
   * @default {} (on, with the defaults of {@link RevocationStreamOptions})
   */
  stream?: RevocationStreamOptions | false;
  /** Longest wait for each Redis command (publish, subscribe, each replay read), in ms. @default 1000 */
  commandTimeoutMs?: number;
  /** Receives `revocation bus disconnected` / `resubscribed` / `caught up …`, and errors. @default undefined */
  logger?: RedisLogger;
}

/** Result of {@link RedisRevocationBus.revokeSession} / {@link RedisRevocationBus.revokeSubject}. */
export interface RevocationPublishResult {
  /** Connections this instance closed with 4401. */
  readonly closedLocally: number;
  /** Subscribers Redis delivered the message to (this instance's own subscription included, once started). */
  readonly receivers: number;
}

interface RevocationStreamConfig {
  readonly key: string;
  /** As the publish script takes it. */
  readonly maxLength: string;
  /** As the publish script takes it. */
  readonly maxAgeMs: string;
  readonly replayRetryMs: number;
}

interface RedisRevocationBusConfig {
  readonly publish: RedisCommand;
  readonly subscriber: RedisSubscriber;
  readonly registry: RevocationTarget;
  readonly channel: string;
  readonly stream: RevocationStreamConfig | undefined;
  readonly commandTimeoutMs: number;
  readonly logger: RedisLogger | undefined;
}

/** Entries read per replay command. */
const REPLAY_BATCH = 100;

function resolveStreamOptions(
  value: RevocationStreamOptions | false | undefined,
): RevocationStreamConfig | undefined {
  if (value === false) return undefined;
  const options = value === undefined ? {} : value;
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError(
      'stream must be false or an object ({ key?, maxLength?, maxAgeMs?, replayRetryMs? })',
    );
  return Object.freeze({
    key: nonEmptyString('stream.key', options.key, 'wsgate:revocations:stream'),
    maxLength: String(positiveInteger('stream.maxLength', options.maxLength, 10_000)),
    maxAgeMs: String(positiveInteger('stream.maxAgeMs', options.maxAgeMs, 600_000)),
    replayRetryMs: positiveInteger('stream.replayRetryMs', options.replayRetryMs, 1_000),
  });
}

function resolveRevocationBusOptions(options: RedisRevocationBusOptions): RedisRevocationBusConfig {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('RedisRevocationBus options are required');
  const { subscriber, registry } = options;
  if (
    subscriber === null ||
    typeof subscriber !== 'object' ||
    typeof subscriber.subscribe !== 'function' ||
    typeof subscriber.unsubscribe !== 'function'
  ) {
    throw new WsGateConfigError(
      'subscriber must be a RedisSubscriber (createIoRedisSubscriber / createNodeRedisSubscriber)',
    );
  }
  if (
    registry === null ||
    typeof registry !== 'object' ||
    typeof registry.revokeSession !== 'function' ||
    typeof registry.revokeSubject !== 'function'
  ) {
    throw new WsGateConfigError('registry must be a ConnectionRegistry (revokeSession, revokeSubject)');
  }
  return Object.freeze({
    publish: requiredFunction('publish', options.publish),
    subscriber,
    registry,
    channel: nonEmptyString('channel', options.channel, 'wsgate:revocations'),
    stream: resolveStreamOptions(options.stream),
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 1000),
    logger: optionalLogger(options.logger),
  });
}

function failureText(outcome: CommandOutcome): string {
  if (outcome.ok) return 'unexpected reply';
  return outcome.timedOut ? 'no answer in time' : describeError(outcome.error);
}

/**
 * Logout across instances: a revocation published on one instance closes the matching sockets
 * (4401) on every instance.
 *
 * - The publishing instance applies a revocation to its own registry at once (even if Redis is
 *   down), then, in one round trip, publishes it on the channel and appends it to a bounded
 *   Redis Stream.
 * - Every other instance applies it when the message arrives on the channel (the fast path),
 *   and ignores malformed messages.
 * - After its subscriber connection was lost (Redis restart, network cut, `CLIENT KILL`), a bus
 *   resubscribes, then replays the stream from the last entry it saw and applies what it missed,
 *   each revocation once: a logout made while an instance was cut off closes its sockets as soon
 *   as it is back. It logs `revocation bus disconnected` (warn), `revocation bus resubscribed`
 *   and `revocation bus caught up: replayed <n> revocation(s) …` (info).
 *
 * @example
 * const bus = new RedisRevocationBus({
 *   publish: createIoRedisCommand(redis),
 *   subscriber: createIoRedisSubscriber(redis.duplicate()),
 *   registry: gate.registry,
 *   logger: app.log,
 * });
 * await bus.start();
 * // on logout:
 * await bus.revokeSession(sessionId, 'logged out');
 */
export class RedisRevocationBus {
  /** Random id of this bus, carried in its messages so that it skips its own. */
  readonly instanceId: string = randomUUID();
  private readonly config: RedisRevocationBusConfig;
  private state: 'idle' | 'starting' | 'started' | 'closed' = 'idle';
  private starting: Promise<void> | undefined;
  private cursor = new RevocationCursor();
  /** Bumped by every loss of the subscription and by `close()`: a replay of an older one stops. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(options: RedisRevocationBusOptions) {
    this.config = resolveRevocationBusOptions(options);
  }

  /** The pub/sub channel in use. */
  get channel(): string {
    return this.config.channel;
  }

  /**
   * Subscribes to the channel and, with the stream on, reads where the stream ends (revocations
   * older than this start are not replayed). Resolves once both are done; rejects with
   * `RevocationBusUnavailableError` if Redis does not answer within `commandTimeoutMs` (call it
   * again to retry). Idempotent.
   */
  start(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new RevocationBusClosedError());
    if (this.state === 'started') return Promise.resolve();
    if (this.starting === undefined) {
      this.state = 'starting';
      this.starting = this.subscribe().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  /**
   * Closes every connection opened from `sessionId` with 4401, here and on every other instance.
   * Rejects with `RevocationBusUnavailableError` when the publish fails (the local part is done).
   */
  revokeSession(sessionId: string, reason?: string): Promise<RevocationPublishResult> {
    return this.revoke('session', sessionId, reason);
  }

  /**
   * Closes every connection of `subject` with 4401, here and on every other instance. Rejects
   * with `RevocationBusUnavailableError` when the publish fails (the local part is done).
   */
  revokeSubject(subject: string, reason?: string): Promise<RevocationPublishResult> {
    return this.revoke('subject', subject, reason);
  }

  /** Stops replaying, unsubscribes (best effort, within `commandTimeoutMs`) and stops the bus. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasSubscribed = this.state !== 'idle';
    this.state = 'closed';
    this.stopReplay();
    if (this.starting !== undefined) await this.starting.catch(() => undefined);
    if (!wasSubscribed) return;
    const { subscriber, channel, commandTimeoutMs } = this.config;
    const outcome = await settleWithin(() => subscriber.unsubscribe(channel), commandTimeoutMs);
    if (!outcome.ok) logTo(this.config.logger, 'warn', 'revocation bus: unsubscribing on close failed');
  }

  private async subscribe(): Promise<void> {
    const { subscriber, channel, commandTimeoutMs, stream, logger } = this.config;
    const deadline = Date.now() + commandTimeoutMs;
    this.cursor = new RevocationCursor();
    this.cursor.beginResync();
    const subscribed = await settleWithin(
      () =>
        subscriber.subscribe(channel, {
          onMessage: (message) => this.receive(message),
          onDisconnected: () => {
            this.stopReplay();
            logTo(logger, 'warn', 'revocation bus disconnected');
          },
          onResubscribed: () => {
            logTo(logger, 'info', 'revocation bus resubscribed');
            this.resync();
          },
          onError: (error) => logTo(logger, 'error', `revocation bus error: ${describeError(error)}`),
        }),
      commandTimeoutMs,
    );
    let failure: string | undefined;
    let cause: unknown;
    if (!subscribed.ok) {
      failure = subscribed.timedOut
        ? `Redis did not confirm the subscription within ${commandTimeoutMs} ms`
        : 'subscribing failed';
      cause = subscribed.timedOut ? undefined : subscribed.error;
    } else if (stream !== undefined) {
      const end = await runCommand(
        this.config.publish,
        ['XREVRANGE', stream.key, '+', '-', 'COUNT', '1'],
        deadline - Date.now(),
      );
      const entries = end.ok ? parseStreamEntries(end.reply) : undefined;
      if (entries === undefined) {
        failure = `reading the revocation stream failed (${failureText(end)})`;
        cause = end.ok || end.timedOut ? undefined : end.error;
      } else if (entries[0] !== undefined) {
        this.cursor.startAt(entries[0].id);
      }
    }
    if (failure === undefined && this.state === 'starting') {
      this.cursor.endResync();
      this.state = 'started';
      return;
    }
    // Failed, timed out, or closed meanwhile: leave nothing subscribed behind.
    void subscriber.unsubscribe(channel).catch(() => undefined);
    if (this.state === 'closed') throw new RevocationBusClosedError();
    this.state = 'idle';
    throw new RevocationBusUnavailableError(`revocation bus unavailable: ${failure ?? 'closed'}`, cause);
  }

  /** After a resubscription: replays the stream from the last entry seen. */
  private resync(): void {
    if (this.state !== 'started' || this.config.stream === undefined) return;
    this.stopReplay();
    this.cursor.beginResync();
    void this.replay(this.generation);
  }

  private stopReplay(): void {
    this.generation += 1;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Reads the stream after the cursor, batch by batch, applying each new entry; retries on failure. */
  private async replay(generation: number): Promise<void> {
    const { publish, commandTimeoutMs, stream, logger } = this.config;
    if (stream === undefined) return;
    let applied = 0;
    for (;;) {
      const outcome = await runCommand(
        publish,
        ['XRANGE', stream.key, `(${this.cursor.after}`, '+', 'COUNT', String(REPLAY_BATCH)],
        commandTimeoutMs,
      );
      if (generation !== this.generation || this.state !== 'started') return;
      const entries = outcome.ok ? parseStreamEntries(outcome.reply) : undefined;
      if (entries === undefined) {
        logTo(
          logger,
          'warn',
          `revocation bus: replaying missed revocations failed (${failureText(outcome)}); retrying in ${stream.replayRetryMs} ms`,
        );
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (generation === this.generation) void this.replay(generation);
        }, stream.replayRetryMs);
        this.retryTimer.unref();
        return;
      }
      for (const entry of entries) if (this.replayEntry(entry)) applied += 1;
      if (entries.length < REPLAY_BATCH) break;
    }
    this.cursor.endResync();
    logTo(
      logger,
      'info',
      `revocation bus caught up: replayed ${applied} revocation(s) missed while disconnected`,
    );
  }

  /** Applies one replayed entry unless it was applied already or is this bus's own; whether it applied. */
  private replayEntry(entry: StreamEntry): boolean {
    if (!this.cursor.fromReplay(entry.id)) return false;
    const message = entry.message === undefined ? undefined : parseRevocation(entry.message);
    if (message === undefined) {
      logTo(this.config.logger, 'warn', 'revocation bus ignored a malformed message');
      return false;
    }
    if (message.from === this.instanceId) return false;
    this.apply(message.kind, message.id, message.reason);
    return true;
  }

  private async revoke(
    kind: RevocationKind,
    id: string,
    reason: string | undefined,
  ): Promise<RevocationPublishResult> {
    if (this.state === 'closed') throw new RevocationBusClosedError();
    if (!isValidRevocationId(id))
      throw new WsGateConfigError(
        `revoke${kind === 'session' ? 'Session' : 'Subject'}() needs a non-empty id of at most ${MAX_ID_LENGTH} characters`,
      );
    if (!isValidReason(reason))
      throw new WsGateConfigError(`reason must be a string of at most ${MAX_REASON_BYTES} bytes`);
    const closedLocally = this.apply(kind, id, reason);
    const message = encodeRevocation({ v: 1, kind, id, reason, from: this.instanceId });
    const { publish, channel, stream, commandTimeoutMs } = this.config;
    const outcome =
      stream === undefined
        ? await runCommand(publish, ['PUBLISH', channel, message], commandTimeoutMs)
        : await evalScript(
            publish,
            PUBLISH_REVOCATION_SCRIPT,
            ['', '', '1', stream.key, channel, message, stream.maxLength, stream.maxAgeMs],
            Date.now() + commandTimeoutMs,
          );
    if (!outcome.ok) {
      throw new RevocationBusUnavailableError(
        outcome.timedOut
          ? `revocation bus unavailable: Redis did not answer within ${commandTimeoutMs} ms (applied locally only)`
          : 'revocation bus unavailable: publish failed (applied locally only)',
        outcome.timedOut ? undefined : outcome.error,
      );
    }
    const receivers = Array.isArray(outcome.reply) ? outcome.reply[1] : outcome.reply;
    return { closedLocally, receivers: replyInteger(receivers) ?? 0 };
  }

  private receive(text: string): void {
    if (this.state === 'closed') return;
    const message = parseRevocation(text);
    if (message === undefined) {
      logTo(this.config.logger, 'warn', 'revocation bus ignored a malformed message');
      return;
    }
    if (message.entry !== undefined && !this.cursor.fromChannel(message.entry)) return;
    if (message.from === this.instanceId) return;
    this.apply(message.kind, message.id, message.reason);
  }

  private apply(kind: RevocationKind, id: string, reason: string | undefined): number {
    try {
      const { registry } = this.config;
      return kind === 'session' ? registry.revokeSession(id, reason) : registry.revokeSubject(id, reason);
    } catch (error) {
      logTo(
        this.config.logger,
        'error',
        `revocation bus: applying a revocation failed: ${describeError(error)}`,
      );
      return 0;
    }
  }
}
