import {
  TicketKeyExistsError,
  TicketStoreClosedError,
  TicketStoreUnavailableError,
  WsGateConfigError,
  type SlotClaim,
  type TakenWithSlot,
  type TicketRecord,
  type TicketStore,
} from '@wsgate/core';
import { evalScript, replyInteger, replyText, type CommandOutcome } from './command-runner.js';
import { describeError, logTo, type RedisLogger } from './logger.js';
import { PUT_TICKET_SCRIPT, TAKE_TICKET_SCRIPT, TAKE_TICKET_WITH_SLOT_SCRIPT } from './lua-scripts.js';
import { RedisConnectionSlots } from './redis-connection-slots.js';
import { nonEmptyString, optionalLogger, positiveInteger, requiredFunction } from './option-checks.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import type { RedisCommand } from './redis-command.js';
import { ReplicaAcknowledgement, type ReplicaAcknowledgementConfig } from './replica-acknowledgement.js';

/**
 * Accepted for compatibility; every value takes a ticket the same way.
 *
 * `take` is one script round trip on every Redis version with Lua (the atomic GET+DEL of
 * `GETDEL`, plus the subject-index update), so there is no strategy left to choose.
 *
 * @deprecated Ignored. Remove it from your options.
 */
export type TakeStrategy = 'auto' | 'getdel' | 'lua';

/**
 * Wait for replicas after each take, so that a failover cannot bring a redeemed ticket back
 * (see "Durability" in the README). Takes run on `command`, a connection used for nothing
 * else, each followed there by `WAIT replicas timeoutMs`; a take that fewer than `replicas`
 * replicas acknowledged within `timeoutMs` is refused with `TicketStoreUnavailableError`
 * (HTTP 503). The ticket is burnt either way: the take already ran on the primary.
 */
export interface WaitForReplicasOptions {
  /**
   * Required. A {@link RedisCommand} over a connection **dedicated** to takes (e.g.
   * `createIoRedisCommand(client.duplicate())`): `WAIT` blocks the connection it runs on and
   * waits only for the writes of that connection. One connection, not a pool.
   */
  command: RedisCommand;
  /** Replicas that must acknowledge each take. @default 1 */
  replicas?: number;
  /** Longest wait for the replicas, in ms; below `commandTimeoutMs`. @default 250 */
  timeoutMs?: number;
}

/** Options of {@link RedisTicketStore}. */
export interface RedisTicketStoreOptions {
  /**
   * Required. Sends one command to Redis: {@link createIoRedisCommand}(client),
   * {@link createNodeRedisCommand}(client), or your own {@link RedisCommand}.
   */
  command: RedisCommand;
  /** Prefix of every key the store writes. Ticket keys are `<prefix><sha256>`, subject sets `<prefix>s:<subject>`. @default 'wsgate:t:' */
  prefix?: string;
  /** Most outstanding tickets per subject; past it the subject's oldest ticket is dropped. @default 16 */
  maxPerSubject?: number;
  /**
   * Longest wait for Redis per operation, in ms (for a take, the take and its `WAIT` together).
   * Past it, `put`/`take` reject with `TicketStoreUnavailableError` (HTTP 503 upstream),
   * whatever the client does.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /** @deprecated Ignored: every take is one script round trip. */
  takeStrategy?: TakeStrategy;
  /**
   * Wait for replica acknowledgement after each take (see {@link WaitForReplicasOptions}).
   * @default undefined (a take is accepted once the primary answered)
   */
  waitForReplicas?: WaitForReplicasOptions;
  /**
   * Called once by `close()`, to close the client(s) the store was given (e.g.
   * `() => client.quit()`). A failure is logged, not thrown. @default undefined (the client stays open)
   */
  closeClient?: () => unknown;
  /** Receives a warning when a stored record cannot be read (unknown version, malformed). @default undefined */
  logger?: RedisLogger;
  /**
   * The gate's `connections.slots`, when they are in the same Redis: each redeem then takes the
   * ticket and the connection slot in one script round trip (`takeWithSlot`) instead of two.
   * @default undefined
   */
  slots?: RedisConnectionSlots;
}

interface RedisTicketStoreConfig {
  readonly command: RedisCommand;
  readonly prefix: string;
  /** `<prefix>s:`, the prefix of the subject sets. */
  readonly subjectPrefix: string;
  /** `String(maxPerSubject)`, as the put script takes it. */
  readonly maxPerSubject: string;
  readonly commandTimeoutMs: number;
  readonly waitForReplicas: ReplicaAcknowledgementConfig | undefined;
  readonly closeClient: (() => unknown) | undefined;
  readonly logger: RedisLogger | undefined;
  readonly slots: RedisConnectionSlots | undefined;
}

const TAKE_STRATEGIES: readonly TakeStrategy[] = ['auto', 'getdel', 'lua'];

function resolveWaitForReplicas(
  value: WaitForReplicasOptions | undefined,
  commandTimeoutMs: number,
): ReplicaAcknowledgementConfig | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object')
    throw new WsGateConfigError('waitForReplicas must be an object ({ command, replicas?, timeoutMs? })');
  const timeoutMs = positiveInteger('waitForReplicas.timeoutMs', value.timeoutMs, 250);
  if (timeoutMs >= commandTimeoutMs)
    throw new WsGateConfigError('waitForReplicas.timeoutMs must be below commandTimeoutMs');
  return Object.freeze({
    command: requiredFunction('waitForReplicas.command', value.command),
    replicas: positiveInteger('waitForReplicas.replicas', value.replicas, 1),
    timeoutMs,
  });
}

function resolveRedisTicketStoreOptions(options: RedisTicketStoreOptions): RedisTicketStoreConfig {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('RedisTicketStore options are required');
  if (options.takeStrategy !== undefined && !TAKE_STRATEGIES.includes(options.takeStrategy))
    throw new WsGateConfigError("takeStrategy must be 'auto', 'getdel' or 'lua'");
  const prefix = nonEmptyString('prefix', options.prefix, 'wsgate:t:');
  const commandTimeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 1000);
  return Object.freeze({
    command: requiredFunction('command', options.command),
    prefix,
    subjectPrefix: `${prefix}s:`,
    maxPerSubject: String(positiveInteger('maxPerSubject', options.maxPerSubject, 16)),
    commandTimeoutMs,
    waitForReplicas: resolveWaitForReplicas(options.waitForReplicas, commandTimeoutMs),
    closeClient:
      options.closeClient === undefined ? undefined : requiredFunction('closeClient', options.closeClient),
    logger: optionalLogger(options.logger),
    slots: resolveSlots(options.slots),
  });
}

function resolveSlots(value: unknown): RedisConnectionSlots | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof RedisConnectionSlots))
    throw new WsGateConfigError('slots must be a RedisConnectionSlots (of this package)');
  return value;
}

/** The subject of a record the store refuses to decode (to give back the slot the script took with it). */
function rawSubject(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const subject = (parsed as { subject?: unknown } | null)?.subject;
    return typeof subject === 'string' ? subject : undefined;
  } catch {
    return undefined;
  }
}

function unavailable(
  outcome: Exclude<CommandOutcome, { ok: true }>,
  timeoutMs: number,
): TicketStoreUnavailableError {
  if (outcome.timedOut)
    return new TicketStoreUnavailableError(
      `ticket store unavailable: Redis did not answer within ${timeoutMs} ms`,
    );
  return new TicketStoreUnavailableError('ticket store unavailable: Redis command failed', outcome.error);
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key === '')
    throw new WsGateConfigError('ticket store key must be a non-empty string');
}

/**
 * A {@link TicketStore} on Redis, for several instances that share tickets: a ticket issued by
 * one instance is redeemed exactly once, by any instance. One round trip per operation.
 *
 * - `put`: one Lua script: `SET key value PX ttl NX` (an existing key → `TicketKeyExistsError`),
 *   then the per-subject cap on a sorted set (`<prefix>s:<subject>`, scored by issue time).
 * - `take`: one Lua script: GET and DEL atomically (as `GETDEL`, on every Redis version), and the
 *   member leaves its subject's set.
 * - Keys are the SHA-256 the ticket service hands over, never tickets; values are versioned JSON.
 * - Redis down or slow: `put`/`take` reject with `TicketStoreUnavailableError` within
 *   `commandTimeoutMs`; the store never retries a take (a retried take could hand out a ticket
 *   twice) and recovers as soon as the client reconnects.
 * - Single use holds as far as Redis keeps its writes: see `waitForReplicas` and the README's
 *   "Durability" section.
 *
 * Targets a single Redis (standalone, or primary behind Sentinel), not Redis Cluster.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const client = new Redis({ host: '127.0.0.1', port: 6379, enableOfflineQueue: false });
 * const store = new RedisTicketStore({ command: createIoRedisCommand(client), closeClient: () => client.quit() });
 * const tickets = createTicketService({ store });
 */
export class RedisTicketStore implements TicketStore {
  /** The store's name in metrics (`wsgate.ticket_store.name`). */
  readonly name = 'redis';
  private readonly config: RedisTicketStoreConfig;
  private readonly replicas: ReplicaAcknowledgement | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisTicketStoreOptions) {
    this.config = resolveRedisTicketStoreOptions(options);
    const { waitForReplicas } = this.config;
    this.replicas = waitForReplicas === undefined ? undefined : new ReplicaAcknowledgement(waitForReplicas);
  }

  /** {@inheritDoc @wsgate/core#TicketStore.put} */
  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    this.assertOpen();
    assertKey(key);
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)
      throw new WsGateConfigError('put(): ttlMs must be a positive number');
    const value = encodeRecord(record);
    const { command, prefix, subjectPrefix, maxPerSubject, commandTimeoutMs } = this.config;
    const outcome = await evalScript(
      command,
      PUT_TICKET_SCRIPT,
      [
        '',
        '',
        '2',
        prefix + key,
        subjectPrefix + record.subject,
        value,
        String(Math.ceil(ttlMs)),
        String(record.issuedAt),
        key,
        maxPerSubject,
        prefix,
      ],
      Date.now() + commandTimeoutMs,
    );
    if (!outcome.ok) throw unavailable(outcome, commandTimeoutMs);
    const stored = replyInteger(outcome.reply);
    if (stored === 1) return;
    if (stored === 0) throw new TicketKeyExistsError();
    throw new TicketStoreUnavailableError(
      'ticket store unavailable: unexpected reply from Redis to the put script',
    );
  }

  /** {@inheritDoc @wsgate/core#TicketStore.take} */
  async take(key: string): Promise<TicketRecord | undefined> {
    this.assertOpen();
    assertKey(key);
    const { prefix, subjectPrefix, commandTimeoutMs } = this.config;
    const deadline = Date.now() + commandTimeoutMs;
    const args = ['', '', '1', prefix + key, subjectPrefix, key];
    const dedicated = this.replicas?.forOneTake();
    // Never retried: a take that failed or timed out may still have run on the server.
    const outcome = await evalScript(
      dedicated?.command ?? this.config.command,
      TAKE_TICKET_SCRIPT,
      args,
      deadline,
    );
    if (!outcome.ok) throw unavailable(outcome, commandTimeoutMs);
    const { reply } = outcome;
    if (reply === null || reply === undefined) return undefined;
    const text = replyText(reply);
    if (text === undefined)
      throw new TicketStoreUnavailableError('ticket store unavailable: unexpected reply from Redis to take');
    const decoded = decodeRecord(text);
    if (!decoded.ok) {
      this.warnUnreadable(decoded);
      return undefined;
    }
    if (dedicated !== undefined) await dedicated.acknowledged(deadline);
    return decoded.record;
  }

  /** The connection slots `takeWithSlot` takes (the `slots` option), if any. */
  get slotStore(): RedisConnectionSlots | undefined {
    return this.config.slots;
  }

  /**
   * {@inheritDoc @wsgate/core#TicketStore.takeWithSlot}
   *
   * One script round trip: the take of `take`, then, for the record's subject, the acquisition
   * of `RedisConnectionSlots` (the `slots` option). Without `slots`, a plain `take`.
   */
  async takeWithSlot(key: string, claim: SlotClaim): Promise<TakenWithSlot> {
    const { slots } = this.config;
    if (slots === undefined) return { record: await this.take(key), slot: undefined };
    this.assertOpen();
    assertKey(key);
    const { prefix, subjectPrefix, commandTimeoutMs } = this.config;
    const deadline = Date.now() + commandTimeoutMs;
    const fold = slots.fold(claim.address, claim.limits);
    const dedicated = this.replicas?.forOneTake();
    const outcome = await evalScript(
      dedicated?.command ?? this.config.command,
      TAKE_TICKET_WITH_SLOT_SCRIPT,
      ['', '', '3', prefix + key, ...fold.keys, subjectPrefix, key, ...fold.args],
      deadline,
    );
    if (!outcome.ok) {
      fold.settle(undefined, undefined);
      throw unavailable(outcome, commandTimeoutMs);
    }
    const { reply } = outcome;
    if (reply === null || reply === undefined) return { record: undefined, slot: undefined };
    const [value, status] = Array.isArray(reply) ? reply : [];
    const text = replyText(value);
    const code = replyInteger(status);
    if (text === undefined || code === undefined) {
      fold.settle(undefined, undefined);
      throw new TicketStoreUnavailableError('ticket store unavailable: unexpected reply from Redis to take');
    }
    const decoded = decodeRecord(text);
    const subject = code === -1 ? undefined : decoded.ok ? decoded.record.subject : rawSubject(text);
    const slot = code === -1 ? undefined : fold.settle(subject, code);
    const giveBack = () => {
      if (slot?.ok === true && subject !== undefined) void slots.release({ subject, address: claim.address });
    };
    if (!decoded.ok) {
      giveBack();
      this.warnUnreadable(decoded);
      return { record: undefined, slot: undefined };
    }
    if (dedicated !== undefined) {
      try {
        await dedicated.acknowledged(deadline);
      } catch (error) {
        giveBack();
        throw error;
      }
    }
    return { record: decoded.record, slot };
  }

  /**
   * Stops the store: later `put`/`take` reject with `TicketStoreClosedError`. Calls
   * `closeClient` once, if given. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    const { closeClient } = this.config;
    if (closeClient === undefined) return;
    try {
      await closeClient();
    } catch (error) {
      logTo(
        this.config.logger,
        'warn',
        `redis ticket store: closing the client failed: ${describeError(error)}`,
      );
    }
  }

  private warnUnreadable(decoded: Exclude<ReturnType<typeof decodeRecord>, { ok: true }>): void {
    logTo(
      this.config.logger,
      'warn',
      decoded.reason === 'unknown_version'
        ? `redis ticket store: refused a ticket record of unknown version ${decoded.version}`
        : 'redis ticket store: refused a malformed ticket record',
    );
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new TicketStoreClosedError();
  }
}
