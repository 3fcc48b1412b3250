import { randomUUID } from 'node:crypto';
import { parseUntrustedJson, WsGateConfigError, type ConnectionRegistry } from '@wsgate/core';
import { replyInteger, runCommand, settleWithin } from './command-runner.js';
import { RevocationBusClosedError, RevocationBusUnavailableError } from './errors.js';
import { describeError, logTo, type RedisLogger } from './logger.js';
import { nonEmptyString, optionalLogger, positiveInteger, requiredFunction } from './option-checks.js';
import type { RedisCommand } from './redis-command.js';
import type { RedisSubscriber } from './redis-subscriber.js';

/** What the bus needs of a registry: core's `ConnectionRegistry` (any connection type) fits. */
export type RevocationTarget = Pick<ConnectionRegistry, 'revokeSession' | 'revokeSubject'>;

/** Options of {@link RedisRevocationBus}. */
export interface RedisRevocationBusOptions {
  /**
   * Required. Sends `PUBLISH` (a normal, non-subscriber connection): the same
   * {@link RedisCommand} as the ticket store is fine.
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
  /** Longest wait for `PUBLISH` and for the subscription in `start()`, in ms. @default 1000 */
  commandTimeoutMs?: number;
  /** Receives `revocation bus disconnected` / `revocation bus resubscribed`, and errors. @default undefined */
  logger?: RedisLogger;
}

/** Result of {@link RedisRevocationBus.revokeSession} / {@link RedisRevocationBus.revokeSubject}. */
export interface RevocationPublishResult {
  /** Connections this instance closed with 4401. */
  readonly closedLocally: number;
  /** Subscribers Redis delivered the message to (this instance's own subscription included, once started). */
  readonly receivers: number;
}

interface RedisRevocationBusConfig {
  readonly publish: RedisCommand;
  readonly subscriber: RedisSubscriber;
  readonly registry: RevocationTarget;
  readonly channel: string;
  readonly commandTimeoutMs: number;
  readonly logger: RedisLogger | undefined;
}

type RevocationKind = 'session' | 'subject';

interface RevocationMessage {
  readonly v: 1;
  readonly kind: RevocationKind;
  readonly id: string;
  readonly reason?: string | undefined;
  /** `instanceId` of the publisher, which applied it already. */
  readonly from: string;
}

/** A WebSocket close reason may not exceed 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;
const MAX_ID_LENGTH = 1024;
const MAX_MESSAGE_BYTES = 4096;

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
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 1000),
    logger: optionalLogger(options.logger),
  });
}

function validId(id: unknown): id is string {
  return typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH;
}

function validReason(reason: unknown): reason is string | undefined {
  return (
    reason === undefined || (typeof reason === 'string' && Buffer.byteLength(reason) <= MAX_REASON_BYTES)
  );
}

function parseMessage(text: string): RevocationMessage | undefined {
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return undefined;
  const parsed = parseUntrustedJson(text, 1);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
    return undefined;
  const { v, kind, id, reason, from } = parsed.value as Record<string, unknown>;
  if (
    v !== 1 ||
    (kind !== 'session' && kind !== 'subject') ||
    !validId(id) ||
    !validReason(reason) ||
    typeof from !== 'string'
  ) {
    return undefined;
  }
  return { v, kind, id, reason, from };
}

/**
 * Logout across instances: a revocation published on one instance closes the matching sockets
 * (4401) on every instance, through Redis pub/sub.
 *
 * The publishing instance applies a revocation to its own registry at once (even if Redis is
 * down), then publishes it; every other instance applies it when the message arrives, and
 * ignores malformed messages. After a Redis restart the subscriber reconnects and
 * resubscribes by itself, logging `revocation bus disconnected` / `revocation bus resubscribed`.
 * Pub/sub does not store messages: a revocation published while an instance is disconnected
 * does not reach it.
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

  constructor(options: RedisRevocationBusOptions) {
    this.config = resolveRevocationBusOptions(options);
  }

  /** The pub/sub channel in use. */
  get channel(): string {
    return this.config.channel;
  }

  /**
   * Subscribes to the channel. Resolves once subscribed; rejects with
   * `RevocationBusUnavailableError` if Redis does not confirm within `commandTimeoutMs` (call it
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

  /** Unsubscribes (best effort, within `commandTimeoutMs`) and stops the bus. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasSubscribed = this.state !== 'idle';
    this.state = 'closed';
    if (this.starting !== undefined) await this.starting.catch(() => undefined);
    if (!wasSubscribed) return;
    const { subscriber, channel, commandTimeoutMs } = this.config;
    const outcome = await settleWithin(() => subscriber.unsubscribe(channel), commandTimeoutMs);
    if (!outcome.ok) logTo(this.config.logger, 'warn', 'revocation bus: unsubscribing on close failed');
  }

  private async subscribe(): Promise<void> {
    const { subscriber, channel, commandTimeoutMs, logger } = this.config;
    const outcome = await settleWithin(
      () =>
        subscriber.subscribe(channel, {
          onMessage: (message) => this.receive(message),
          onDisconnected: () => logTo(logger, 'warn', 'revocation bus disconnected'),
          onResubscribed: () => logTo(logger, 'info', 'revocation bus resubscribed'),
          onError: (error) => logTo(logger, 'error', `revocation bus error: ${describeError(error)}`),
        }),
      commandTimeoutMs,
    );
    if (outcome.ok && this.state === 'starting') {
      this.state = 'started';
      return;
    }
    // Failed, timed out, or closed meanwhile: leave nothing subscribed behind.
    void subscriber.unsubscribe(channel).catch(() => undefined);
    if (this.state === 'closed') throw new RevocationBusClosedError();
    this.state = 'idle';
    throw new RevocationBusUnavailableError(
      outcome.ok || outcome.timedOut
        ? `revocation bus unavailable: Redis did not confirm the subscription within ${commandTimeoutMs} ms`
        : 'revocation bus unavailable: subscribing failed',
      outcome.ok || outcome.timedOut ? undefined : outcome.error,
    );
  }

  private async revoke(
    kind: RevocationKind,
    id: string,
    reason: string | undefined,
  ): Promise<RevocationPublishResult> {
    if (this.state === 'closed') throw new RevocationBusClosedError();
    if (!validId(id))
      throw new WsGateConfigError(
        `revoke${kind === 'session' ? 'Session' : 'Subject'}() needs a non-empty id of at most ${MAX_ID_LENGTH} characters`,
      );
    if (!validReason(reason))
      throw new WsGateConfigError(`reason must be a string of at most ${MAX_REASON_BYTES} bytes`);
    const closedLocally = this.apply(kind, id, reason);
    const message: RevocationMessage = { v: 1, kind, id, reason, from: this.instanceId };
    const { publish, channel, commandTimeoutMs } = this.config;
    const outcome = await runCommand(
      publish,
      ['PUBLISH', channel, JSON.stringify(message)],
      commandTimeoutMs,
    );
    if (!outcome.ok) {
      throw new RevocationBusUnavailableError(
        outcome.timedOut
          ? `revocation bus unavailable: Redis did not answer within ${commandTimeoutMs} ms (applied locally only)`
          : 'revocation bus unavailable: publish failed (applied locally only)',
        outcome.timedOut ? undefined : outcome.error,
      );
    }
    return { closedLocally, receivers: replyInteger(outcome.reply) ?? 0 };
  }

  private receive(text: string): void {
    if (this.state === 'closed') return;
    const message = parseMessage(text);
    if (message === undefined) {
      logTo(this.config.logger, 'warn', 'revocation bus ignored a malformed message');
      return;
    }
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
