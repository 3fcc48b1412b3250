import { TicketStoreUnavailableError } from '@wsgate/core';
import { replyInteger, runCommand, type CommandOutcome } from './command-runner.js';
import type { RedisCommand } from './redis-command.js';

/** Resolved `waitForReplicas` settings of {@link RedisTicketStore}. */
export interface ReplicaAcknowledgementConfig {
  readonly command: RedisCommand;
  readonly replicas: number;
  readonly timeoutMs: number;
}

interface PendingWait {
  /** Sequence number of the last command sent before this `WAIT`: it covers every one up to it. */
  readonly covers: number;
  readonly outcome: Promise<CommandOutcome>;
}

/**
 * Makes takes wait for replicas, on a connection of their own.
 *
 * Redis's `WAIT` blocks the connection it runs on until the writes made *by that connection*
 * reached the replicas, and cannot run inside a script. So the takes themselves are sent on the
 * dedicated connection ({@link command}), and each one that took a ticket is followed by a `WAIT`
 * there. A `WAIT` covers every command sent on the connection before it, so takes that complete
 * together share one `WAIT` (group commit): at most one `WAIT` per batch, not one per take.
 * This relies on the connection keeping the order of the commands it is given (one connection,
 * not a pool).
 */
export class ReplicaAcknowledgement {
  private sent = 0;
  private latest: PendingWait | undefined;

  constructor(private readonly config: ReplicaAcknowledgementConfig) {}

  /**
   * One take's view of the dedicated connection: `command` sends on it (the take goes through
   * it), and `acknowledged(deadline)` waits for the replicas to hold what it sent.
   */
  forOneTake(): { command: RedisCommand; acknowledged(deadline: number): Promise<void> } {
    let sequence = 0;
    return {
      command: (args) => {
        this.sent += 1;
        sequence = this.sent;
        return this.config.command(args);
      },
      acknowledged: (deadline) => this.acknowledged(sequence, deadline),
    };
  }

  /**
   * Resolves once at least `replicas` replicas acknowledged every write sent on the dedicated
   * connection up to command `sequence`. Rejects with `TicketStoreUnavailableError` when fewer
   * acknowledged within `timeoutMs`, or `WAIT` failed or did not answer before `deadline`.
   */
  private async acknowledged(sequence: number, deadline: number): Promise<void> {
    let wait = this.latest;
    if (wait === undefined || wait.covers < sequence) {
      const { command, replicas, timeoutMs } = this.config;
      wait = {
        covers: this.sent,
        outcome: runCommand(command, ['WAIT', String(replicas), String(timeoutMs)], deadline - Date.now()),
      };
      this.latest = wait;
    }
    const outcome = await wait.outcome;
    if (!outcome.ok) {
      throw new TicketStoreUnavailableError(
        outcome.timedOut
          ? 'ticket store unavailable: WAIT for replicas did not answer in time (the ticket is burnt)'
          : 'ticket store unavailable: WAIT for replicas failed (the ticket is burnt)',
        outcome.timedOut ? undefined : outcome.error,
      );
    }
    const acknowledged = replyInteger(outcome.reply);
    if (acknowledged === undefined || acknowledged < this.config.replicas) {
      throw new TicketStoreUnavailableError(
        `ticket store unavailable: ${acknowledged ?? 0} of ${this.config.replicas} replica(s) acknowledged the take within ${this.config.timeoutMs} ms (the ticket is burnt)`,
      );
    }
  }
}
