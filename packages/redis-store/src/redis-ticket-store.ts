import {
  TicketKeyExistsError,
  TicketStoreClosedError,
  TicketStoreUnavailableError,
  WsGateConfigError,
  type TicketRecord,
  type TicketStore,
} from '@wsgate/core';
import {
  isNoScriptError,
  isUnknownCommandError,
  replyInteger,
  replyText,
  runCommand,
  type CommandOutcome,
} from './command-runner.js';
import { describeError, logTo, type RedisLogger } from './logger.js';
import { PUT_TICKET_SCRIPT, TAKE_TICKET_SCRIPT, type LuaScript } from './lua-scripts.js';
import { nonEmptyString, optionalLogger, positiveInteger, requiredFunction } from './option-checks.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import type { RedisCommand } from './redis-command.js';

/**
 * How {@link RedisTicketStore.take} removes a ticket atomically:
 * - `'auto'` (default): `GETDEL`; if the server answers "unknown command" (Redis < 6.2), switch
 *   for good to the Lua script.
 * - `'getdel'`: always `GETDEL` (Redis ≥ 6.2).
 * - `'lua'`: always the GET+DEL Lua script (`EVALSHA`, `EVAL` on `NOSCRIPT`).
 *
 * Never GET then DEL from the client: two redeemers could both read the ticket.
 */
export type TakeStrategy = 'auto' | 'getdel' | 'lua';

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
   * Longest wait for Redis per operation, in ms. Past it, `put`/`take` reject with
   * `TicketStoreUnavailableError` (HTTP 503 upstream), whatever the client does.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /** How `take` removes a ticket atomically. @default 'auto' */
  takeStrategy?: TakeStrategy;
  /**
   * Called once by `close()`, to close the client the store was given (e.g.
   * `() => client.quit()`). A failure is logged, not thrown. @default undefined (the client stays open)
   */
  closeClient?: () => unknown;
  /** Receives a warning when a stored record cannot be read (unknown version, malformed). @default undefined */
  logger?: RedisLogger;
}

interface RedisTicketStoreConfig {
  readonly command: RedisCommand;
  readonly prefix: string;
  readonly maxPerSubject: number;
  readonly commandTimeoutMs: number;
  readonly takeStrategy: TakeStrategy;
  readonly closeClient: (() => unknown) | undefined;
  readonly logger: RedisLogger | undefined;
}

const TAKE_STRATEGIES: readonly TakeStrategy[] = ['auto', 'getdel', 'lua'];

function resolveRedisTicketStoreOptions(options: RedisTicketStoreOptions): RedisTicketStoreConfig {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('RedisTicketStore options are required');
  const takeStrategy = options.takeStrategy === undefined ? 'auto' : options.takeStrategy;
  if (!TAKE_STRATEGIES.includes(takeStrategy))
    throw new WsGateConfigError("takeStrategy must be 'auto', 'getdel' or 'lua'");
  return Object.freeze({
    command: requiredFunction('command', options.command),
    prefix: nonEmptyString('prefix', options.prefix, 'wsgate:t:'),
    maxPerSubject: positiveInteger('maxPerSubject', options.maxPerSubject, 16),
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 1000),
    takeStrategy,
    closeClient:
      options.closeClient === undefined ? undefined : requiredFunction('closeClient', options.closeClient),
    logger: optionalLogger(options.logger),
  });
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

/**
 * A {@link TicketStore} on Redis, for several instances that share tickets: a ticket issued by
 * one instance is redeemed exactly once, by any instance.
 *
 * - `put`: one Lua script: `SET key value PX ttl NX` (an existing key → `TicketKeyExistsError`),
 *   then the per-subject cap on a sorted set (`<prefix>s:<subject>`, scored by issue time).
 * - `take`: atomic `GETDEL` (Redis ≥ 6.2) or a GET+DEL Lua script, then the member leaves the set.
 * - Keys are the SHA-256 the ticket service hands over, never tickets; values are versioned JSON.
 * - Redis down or slow: `put`/`take` reject with `TicketStoreUnavailableError` within
 *   `commandTimeoutMs`; the store never retries a take (a retried take could hand out a ticket
 *   twice) and recovers as soon as the client reconnects.
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
  private readonly config: RedisTicketStoreConfig;
  /** `'auto'` until the server proves it has no `GETDEL`; then `'lua'`. */
  private takeWith: TakeStrategy;
  private closing: Promise<void> | undefined;

  constructor(options: RedisTicketStoreOptions) {
    this.config = resolveRedisTicketStoreOptions(options);
    this.takeWith = this.config.takeStrategy;
  }

  /** {@inheritDoc @wsgate/core#TicketStore.put} */
  async put(key: string, record: TicketRecord, ttlMs: number): Promise<void> {
    this.assertOpen();
    this.assertKey(key);
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)
      throw new WsGateConfigError('put(): ttlMs must be a positive number');
    const value = encodeRecord(record);
    const { prefix, maxPerSubject } = this.config;
    const reply = await this.evalScript(
      PUT_TICKET_SCRIPT,
      [prefix + key, this.subjectKey(record.subject)],
      [value, String(Math.ceil(ttlMs)), String(record.issuedAt), key, String(maxPerSubject), prefix],
      this.deadline(),
    );
    const stored = replyInteger(reply);
    if (stored === 1) return;
    if (stored === 0) throw new TicketKeyExistsError();
    throw new TicketStoreUnavailableError(
      'ticket store unavailable: unexpected reply from Redis to the put script',
    );
  }

  /** {@inheritDoc @wsgate/core#TicketStore.take} */
  async take(key: string): Promise<TicketRecord | undefined> {
    this.assertOpen();
    this.assertKey(key);
    const reply = await this.takeValue(this.config.prefix + key, this.deadline());
    if (reply === null || reply === undefined) return undefined;
    const text = replyText(reply);
    if (text === undefined)
      throw new TicketStoreUnavailableError('ticket store unavailable: unexpected reply from Redis to take');
    const decoded = decodeRecord(text);
    if (!decoded.ok) {
      logTo(
        this.config.logger,
        'warn',
        decoded.reason === 'unknown_version'
          ? `redis ticket store: refused a ticket record of unknown version ${decoded.version}`
          : 'redis ticket store: refused a malformed ticket record',
      );
      return undefined;
    }
    await this.forgetMember(decoded.record.subject, key);
    return decoded.record;
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

  private async takeValue(redisKey: string, deadline: number): Promise<unknown> {
    if (this.takeWith !== 'lua') {
      const outcome = await runCommand(this.config.command, ['GETDEL', redisKey], deadline - Date.now());
      if (outcome.ok) return outcome.reply;
      // Only a definite "unknown command" proves GETDEL did not run; anything else is a fault.
      if (this.takeWith !== 'auto' || outcome.timedOut || !isUnknownCommandError(outcome.error)) {
        throw unavailable(outcome, this.config.commandTimeoutMs);
      }
      this.takeWith = 'lua';
      logTo(
        this.config.logger,
        'info',
        'redis ticket store: Redis has no GETDEL (< 6.2), taking tickets with a Lua script',
      );
    }
    return this.evalScript(TAKE_TICKET_SCRIPT, [redisKey], [], deadline);
  }

  /** Removes a taken ticket from its subject's set. Bookkeeping only: a failure is ignored (the next put prunes it). */
  private async forgetMember(subject: string, key: string): Promise<void> {
    await runCommand(
      this.config.command,
      ['ZREM', this.subjectKey(subject), key],
      this.config.commandTimeoutMs,
    );
  }

  /** `EVALSHA`, and `EVAL` when the server lost its script cache (restart, `SCRIPT FLUSH`). */
  private async evalScript(
    script: LuaScript,
    keys: string[],
    args: string[],
    deadline: number,
  ): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    let outcome = await runCommand(
      this.config.command,
      ['EVALSHA', script.sha1, ...tail],
      deadline - Date.now(),
    );
    if (!outcome.ok && !outcome.timedOut && isNoScriptError(outcome.error)) {
      outcome = await runCommand(
        this.config.command,
        ['EVAL', script.source, ...tail],
        deadline - Date.now(),
      );
    }
    if (!outcome.ok) throw unavailable(outcome, this.config.commandTimeoutMs);
    return outcome.reply;
  }

  private subjectKey(subject: string): string {
    return `${this.config.prefix}s:${subject}`;
  }

  private deadline(): number {
    return Date.now() + this.config.commandTimeoutMs;
  }

  private assertKey(key: string): void {
    if (typeof key !== 'string' || key === '')
      throw new WsGateConfigError('ticket store key must be a non-empty string');
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new TicketStoreClosedError();
  }
}
