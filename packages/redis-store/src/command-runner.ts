import type { LuaScript } from './lua-scripts.js';
import type { RedisCommand } from './redis-command.js';

/** Outcome of one bounded command. Internal: callers map failures to their own typed error. */
export type CommandOutcome =
  | { readonly ok: true; readonly reply: unknown }
  | { readonly ok: false; readonly timedOut: true }
  | { readonly ok: false; readonly timedOut: false; readonly error: unknown };

/**
 * Runs `operation` and settles within `timeoutMs`, whatever it does: never throws, never leaves
 * a rejection unhandled (a result arriving after the timeout is dropped), and does not start
 * the operation when no time is left.
 */
export function settleWithin(operation: () => unknown, timeoutMs: number): Promise<CommandOutcome> {
  if (timeoutMs <= 0) return Promise.resolve({ ok: false, timedOut: true });
  return new Promise<CommandOutcome>((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, timedOut: true }), timeoutMs);
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(operation());
    } catch (error) {
      clearTimeout(timer);
      resolve({ ok: false, timedOut: false, error });
      return;
    }
    pending.then(
      (reply) => {
        clearTimeout(timer);
        resolve({ ok: true, reply });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, timedOut: false, error });
      },
    );
  });
}

/** Sends `args` through `command`, settling within `timeoutMs` (see {@link settleWithin}). */
export function runCommand(
  command: RedisCommand,
  args: string[],
  timeoutMs: number,
): Promise<CommandOutcome> {
  return settleWithin(() => command(args), timeoutMs);
}

/**
 * Runs `script` with `EVALSHA`, and with `EVAL` when the server lost its script cache (restart,
 * `SCRIPT FLUSH`, failover), all before `deadline` (epoch ms). `args` is the whole command with
 * two placeholders first, `['', '', numkeys, ...keys, ...args]`: they become `EVALSHA <sha1>`
 * (the array is filled in, not copied).
 */
export function evalScript(
  command: RedisCommand,
  script: LuaScript,
  args: string[],
  deadline: number,
): Promise<CommandOutcome> {
  args[0] = 'EVALSHA';
  args[1] = script.sha1;
  return runCommand(command, args, deadline - Date.now()).then((outcome) => {
    if (outcome.ok || outcome.timedOut || !isNoScriptError(outcome.error)) return outcome;
    const withSource = args.slice();
    withSource[0] = 'EVAL';
    withSource[1] = script.source;
    return runCommand(command, withSource, deadline - Date.now());
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}

/** The server does not have the script cached (`EVALSHA` after a restart or `SCRIPT FLUSH`). */
export function isNoScriptError(error: unknown): boolean {
  return errorText(error).startsWith('NOSCRIPT');
}

/** A bulk-string reply as text; `undefined` for anything else. */
export function replyText(reply: unknown): string | undefined {
  if (typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array)
    return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength).toString('utf8');
  return undefined;
}

/** An integer reply as a number (also when the client returns numbers as strings); else `undefined`. */
export function replyInteger(reply: unknown): number | undefined {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (typeof reply === 'string' && /^-?\d+$/.test(reply)) return Number(reply);
  return undefined;
}
