import { WsGateConfigError, type RefusalCounter } from '@wsgate/core';
import { evalScript, replyInteger, replyText, runCommand, type CommandOutcome } from './command-runner.js';
import { RedisLimitUnavailableError } from './errors.js';
import { COUNT_REFUSAL_SCRIPT } from './lua-scripts.js';
import { nonEmptyString, positiveInteger, requiredFunction } from './option-checks.js';
import type { RedisCommand } from './redis-command.js';

/** Options of {@link RedisRefusalCounter}. */
export interface RedisRefusalCounterOptions {
  /** Required. Sends one command (the same {@link RedisCommand} as the ticket store is fine). */
  command: RedisCommand;
  /** Prefix of the counters: `<prefix><address>`. @default 'wsgate:refusals:' */
  prefix?: string;
  /** Longest wait for each Redis command, in ms. @default 1000 */
  commandTimeoutMs?: number;
}

function unavailable(outcome: Exclude<CommandOutcome, { ok: true }>, timeoutMs: number) {
  return outcome.timedOut
    ? new RedisLimitUnavailableError(
        `refusal counter unavailable: Redis did not answer within ${timeoutMs} ms`,
      )
    : new RedisLimitUnavailableError('refusal counter unavailable: Redis command failed', outcome.error);
}

/**
 * A core `RefusalCounter` in Redis: the handshake brute-force limit (refused ticket
 * presentations per client address and window) holds across every instance that shares it
 * (`bruteForce: { counter }` of the gate). One key per address with a refusal in its window
 * (`INCR`, expiring with the window); one `GET` per upgrade to check it.
 *
 * @example
 * const counter = new RedisRefusalCounter({ command: createIoRedisCommand(redis) });
 * createWsGate({ origins, bruteForce: { maxRefusals: 100, windowMs: 60_000, counter } });
 */
export class RedisRefusalCounter implements RefusalCounter {
  private readonly command: RedisCommand;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;

  constructor(options: RedisRefusalCounterOptions) {
    if (options === null || typeof options !== 'object')
      throw new WsGateConfigError('RedisRefusalCounter options are required');
    this.command = requiredFunction('command', options.command);
    this.prefix = nonEmptyString('prefix', options.prefix, 'wsgate:refusals:');
    this.commandTimeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 1000);
  }

  /** {@inheritDoc @wsgate/core#RefusalCounter.count} */
  async count(address: string): Promise<number> {
    const outcome = await runCommand(this.command, ['GET', this.prefix + address], this.commandTimeoutMs);
    if (!outcome.ok) throw unavailable(outcome, this.commandTimeoutMs);
    const text = replyText(outcome.reply);
    return text === undefined ? 0 : (replyInteger(text) ?? 0);
  }

  /** {@inheritDoc @wsgate/core#RefusalCounter.increment} */
  async increment(address: string, windowMs: number): Promise<void> {
    const outcome = await evalScript(
      this.command,
      COUNT_REFUSAL_SCRIPT,
      ['', '', '1', this.prefix + address, String(windowMs)],
      Date.now() + this.commandTimeoutMs,
    );
    if (!outcome.ok) throw unavailable(outcome, this.commandTimeoutMs);
  }
}
