import { randomUUID } from 'node:crypto';
import {
  WsGateConfigError,
  type ConnectionSlot,
  type ConnectionSlotStore,
  type SlotAcquisition,
  type SlotLimits,
} from '@wsgate/core';
import { evalScript, replyInteger, type CommandOutcome } from './command-runner.js';
import { RedisLimitUnavailableError } from './errors.js';
import { describeError, logTo, type RedisLogger } from './logger.js';
import {
  ACQUIRE_SLOT_SCRIPT,
  REFRESH_SLOTS_SCRIPT,
  RELEASE_SLOT_SCRIPT,
  RESYNC_SLOTS_SCRIPT,
} from './lua-scripts.js';
import { nonEmptyString, optionalLogger, positiveInteger, requiredFunction } from './option-checks.js';
import type { RedisCommand } from './redis-command.js';

/** Options of {@link RedisConnectionSlots}. */
export interface RedisConnectionSlotsOptions {
  /** Required. Sends one command (the same {@link RedisCommand} as the ticket store is fine). */
  command: RedisCommand;
  /** Prefix of every key: `<prefix>instances` (set), `<prefix>i:<instanceId>` (hash per instance). @default 'wsgate:slots:' */
  prefix?: string;
  /**
   * How long this instance's slots outlive its last heartbeat, in ms: an instance that dies
   * without closing its sockets (a crash, `SIGKILL`, a network cut longer than this) stops
   * counting against the caps after at most this long. @default 15_000
   */
  instanceTtlMs?: number;
  /** How often the heartbeat runs, in ms; below `instanceTtlMs`. @default instanceTtlMs / 3 */
  heartbeatIntervalMs?: number;
  /** Longest wait for each Redis command, in ms. @default 1000 */
  commandTimeoutMs?: number;
  /** Receives a warning when a heartbeat or a release fails. @default undefined */
  logger?: RedisLogger;
}

interface RedisConnectionSlotsConfig {
  readonly command: RedisCommand;
  readonly instanceSet: string;
  readonly hashPrefix: string;
  readonly instanceTtlMs: number;
  readonly heartbeatIntervalMs: number;
  readonly commandTimeoutMs: number;
  readonly logger: RedisLogger | undefined;
}

function resolveOptions(options: RedisConnectionSlotsOptions): RedisConnectionSlotsConfig {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('RedisConnectionSlots options are required');
  const prefix = nonEmptyString('prefix', options.prefix, 'wsgate:slots:');
  const instanceTtlMs = positiveInteger('instanceTtlMs', options.instanceTtlMs, 15_000);
  const heartbeatIntervalMs = positiveInteger(
    'heartbeatIntervalMs',
    options.heartbeatIntervalMs,
    Math.max(1, Math.floor(instanceTtlMs / 3)),
  );
  if (heartbeatIntervalMs >= instanceTtlMs)
    throw new WsGateConfigError('heartbeatIntervalMs must be below instanceTtlMs');
  return Object.freeze({
    command: requiredFunction('command', options.command),
    instanceSet: `${prefix}instances`,
    hashPrefix: `${prefix}i:`,
    instanceTtlMs,
    heartbeatIntervalMs,
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 1000),
    logger: optionalLogger(options.logger),
  });
}

const subjectField = (slot: ConnectionSlot) => `s:${slot.subject}`;
const addressField = (slot: ConnectionSlot) => (slot.address === undefined ? '' : `a:${slot.address}`);

/**
 * @internal A slot taken in another script's round trip (the ticket store's take): the keys and
 * arguments that script passes to the acquisition, and how its reply is accounted for here.
 */
export interface FoldedSlot {
  /** The instance set and this instance's hash. */
  readonly keys: readonly [string, string];
  /** Instance id, hash prefix, max per subject, address field, max per address, hash ttl. */
  readonly args: readonly string[];
  /** Accounts for the script's reply for `subject` (`undefined`: the outcome is unknown). */
  settle(subject: string | undefined, status: number | undefined): SlotAcquisition | undefined;
}

function failure(
  outcome: Exclude<CommandOutcome, { ok: true }>,
  timeoutMs: number,
): RedisLimitUnavailableError {
  return outcome.timedOut
    ? new RedisLimitUnavailableError(
        `connection slots unavailable: Redis did not answer within ${timeoutMs} ms`,
      )
    : new RedisLimitUnavailableError('connection slots unavailable: Redis command failed', outcome.error);
}

/**
 * A core `ConnectionSlotStore` in Redis: the caps on connections per subject and per address
 * hold across every instance that shares it (`connections: { slots }` of the gate).
 *
 * - Each instance counts its own slots in a hash of its own (`<prefix>i:<instanceId>`), which
 *   expires `instanceTtlMs` after the instance's last heartbeat: the slots of an instance that
 *   dies without closing its sockets (a crash, `SIGKILL`) stop counting by themselves, at the
 *   latest `instanceTtlMs` later. Nothing leaks.
 * - `acquire` is one script round trip: it sums the subject's and the address's slots over the
 *   live instances and takes one only under both caps (atomic: two instances never both take
 *   the last slot). Redis down or slow: it rejects with `RedisLimitUnavailableError` (503
 *   upstream) within `commandTimeoutMs`.
 * - `release` never rejects. The instance knows its own counts exactly: when Redis lost them (the
 *   hash expired while the instance was cut off) or a command's outcome is unknown, the next
 *   heartbeat writes them again.
 *
 * Targets a single Redis (standalone, or primary behind Sentinel), not Redis Cluster.
 *
 * @example
 * const slots = new RedisConnectionSlots({ command: createIoRedisCommand(redis) });
 * createWsGate({ origins, connections: { maxPerSubject: 10, slots } });
 * // on shutdown, after the gate drained:
 * await slots.close();
 */
export class RedisConnectionSlots implements ConnectionSlotStore {
  /** Random id of this instance's slots. */
  readonly instanceId: string = randomUUID();
  private readonly config: RedisConnectionSlotsConfig;
  private readonly hash: string;
  /** This instance's counts, by hash field (`s:<subject>`, `a:<address>`), pending acquisitions included. */
  private readonly counts = new Map<string, number>();
  /** Redis may not hold `counts` as they are: write them again at the next heartbeat. */
  private dirty = false;
  /** Resyncs sent so far: one sent while an acquisition was pending wrote it in, taken or not. */
  private resyncs = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private beating = false;
  private closing: Promise<void> | undefined;

  constructor(options: RedisConnectionSlotsOptions) {
    this.config = resolveOptions(options);
    this.hash = this.config.hashPrefix + this.instanceId;
    this.heartbeat = setInterval(() => void this.beat(), this.config.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** {@inheritDoc @wsgate/core#ConnectionSlotStore.acquire} */
  async acquire(slot: ConnectionSlot, limits: SlotLimits): Promise<SlotAcquisition> {
    if (this.closing !== undefined)
      throw new RedisLimitUnavailableError('connection slots unavailable: closed');
    const { command, instanceSet, hashPrefix, instanceTtlMs, commandTimeoutMs } = this.config;
    const fields = [subjectField(slot), addressField(slot)];
    this.adjust(fields, 1);
    const resyncsBefore = this.resyncs;
    const outcome = await evalScript(
      command,
      ACQUIRE_SLOT_SCRIPT,
      [
        '',
        '',
        '2',
        instanceSet,
        this.hash,
        this.instanceId,
        hashPrefix,
        fields[0] as string,
        String(limits.maxPerSubject),
        fields[1] as string,
        String(limits.maxPerAddress),
        String(instanceTtlMs),
      ],
      Date.now() + commandTimeoutMs,
    );
    const reply = outcome.ok ? replyInteger(outcome.reply) : undefined;
    if (reply === 0 || reply === 10) {
      // A new hash while this instance holds other slots: Redis lost them (the hash expired).
      if (reply === 10 && this.held() > 1) this.dirty = true;
      return { ok: true };
    }
    this.adjust(fields, -1);
    // A resync that went out meanwhile counted this slot as held: write the counts again.
    if (this.resyncs !== resyncsBefore) this.dirty = true;
    if (reply === 1) return { ok: false, reason: 'subject_connection_limit' };
    if (reply === 2) return { ok: false, reason: 'address_connection_limit' };
    // The script may have run (a timeout): Redis's counts are unknown until the next resync.
    this.dirty = true;
    if (!outcome.ok) throw failure(outcome, commandTimeoutMs);
    throw new RedisLimitUnavailableError('connection slots unavailable: unexpected reply from Redis');
  }

  /** @internal A slot for `address` to take in the ticket store's take script (see {@link FoldedSlot}). */
  fold(address: string | undefined, limits: SlotLimits): FoldedSlot {
    if (this.closing !== undefined)
      throw new RedisLimitUnavailableError('connection slots unavailable: closed');
    const { instanceSet, hashPrefix, instanceTtlMs } = this.config;
    const addressKey = addressField({ subject: '', address });
    const resyncsBefore = this.resyncs;
    return {
      keys: [instanceSet, this.hash],
      args: [
        this.instanceId,
        hashPrefix,
        String(limits.maxPerSubject),
        addressKey,
        String(limits.maxPerAddress),
        String(instanceTtlMs),
      ],
      settle: (subject, status) => {
        if (subject === undefined || status === undefined) {
          // The script may have taken a slot: Redis's counts are unknown until the next resync.
          this.dirty = true;
          return undefined;
        }
        if (status === 1) return { ok: false, reason: 'subject_connection_limit' };
        if (status === 2) return { ok: false, reason: 'address_connection_limit' };
        if (status !== 0 && status !== 10) return undefined;
        this.adjust([subjectField({ subject, address }), addressKey], 1);
        // A resync that went out meanwhile did not know this slot; a new hash lost the others.
        if (this.resyncs !== resyncsBefore || (status === 10 && this.held() > 1)) this.dirty = true;
        return { ok: true };
      },
    };
  }

  /** {@inheritDoc @wsgate/core#ConnectionSlotStore.release} */
  async release(slot: ConnectionSlot): Promise<void> {
    if (this.closing !== undefined) return;
    const fields = [subjectField(slot), addressField(slot)];
    this.adjust(fields, -1);
    const { command, commandTimeoutMs } = this.config;
    const outcome = await evalScript(
      command,
      RELEASE_SLOT_SCRIPT,
      ['', '', '1', this.hash, fields[0] as string, fields[1] as string],
      Date.now() + commandTimeoutMs,
    );
    if (outcome.ok && replyInteger(outcome.reply) === 1) return;
    this.dirty = true;
    if (!outcome.ok)
      logTo(
        this.config.logger,
        'warn',
        `connection slots: a release did not reach Redis (${outcome.timedOut ? 'no answer in time' : describeError(outcome.error)}); the next heartbeat writes this instance's counts again`,
      );
  }

  /**
   * Stops the heartbeat and gives back every slot of this instance in Redis at once (best effort,
   * within `commandTimeoutMs`; they expire by themselves otherwise). Call it once the gate has
   * drained. Later `acquire` calls reject. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    clearInterval(this.heartbeat);
    this.counts.clear();
    const { command, instanceSet, commandTimeoutMs } = this.config;
    await evalScript(
      command,
      RESYNC_SLOTS_SCRIPT,
      ['', '', '2', instanceSet, this.hash, this.instanceId, String(this.config.instanceTtlMs)],
      Date.now() + commandTimeoutMs,
    );
  }

  /** Keeps this instance's hash alive; writes the counts again when Redis lost or may miss them. */
  private async beat(): Promise<void> {
    if (this.beating || this.closing !== undefined) return;
    this.beating = true;
    try {
      const { command, instanceSet, instanceTtlMs, commandTimeoutMs } = this.config;
      if (!this.dirty) {
        const refreshed = await evalScript(
          command,
          REFRESH_SLOTS_SCRIPT,
          ['', '', '2', instanceSet, this.hash, this.instanceId, String(instanceTtlMs)],
          Date.now() + commandTimeoutMs,
        );
        if (!refreshed.ok) {
          this.warn('heartbeat', refreshed);
          return;
        }
        // Alive, or nothing to keep alive.
        if (replyInteger(refreshed.reply) === 1 || this.held() === 0) return;
      }
      this.dirty = false;
      this.resyncs += 1;
      const pairs = [...this.counts].flatMap(([field, count]) => [field, String(count)]);
      const resynced = await evalScript(
        command,
        RESYNC_SLOTS_SCRIPT,
        ['', '', '2', instanceSet, this.hash, this.instanceId, String(instanceTtlMs), ...pairs],
        Date.now() + commandTimeoutMs,
      );
      if (!resynced.ok) {
        this.dirty = true;
        this.warn('resync', resynced);
      }
    } finally {
      this.beating = false;
    }
  }

  private warn(what: string, outcome: Exclude<CommandOutcome, { ok: true }>): void {
    logTo(
      this.config.logger,
      'warn',
      `connection slots: ${what} failed (${outcome.timedOut ? 'no answer in time' : describeError(outcome.error)})`,
    );
  }

  /** Slots this instance holds (subject fields only: one per slot). */
  private held(): number {
    let total = 0;
    for (const [field, count] of this.counts) if (field.startsWith('s:')) total += count;
    return total;
  }

  private adjust(fields: readonly string[], delta: number): void {
    for (const field of fields) {
      if (field === '') continue;
      const next = (this.counts.get(field) ?? 0) + delta;
      if (next <= 0) this.counts.delete(field);
      else this.counts.set(field, next);
    }
  }
}
