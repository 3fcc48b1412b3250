// The one logging interface the kit writes to; each sample adapts its framework's logger to it.

/** Structured fields of a log line (never a token, a cookie, a ticket or a password). */
export type LogFields = Readonly<Record<string, string | number | boolean>>;

/** Where the kit logs: `event` names the occurrence (`demo.*`, `redis.*`), `message` says it in words. */
export interface DemoLogger {
  info(event: string, message: string, fields?: LogFields): void;
  warn(event: string, message: string, fields?: LogFields): void;
  error(event: string, message: string, fields?: LogFields): void;
}

/** The message of an error for a log line: an `Error`'s message, or a placeholder. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}
