// The log-hygiene scan: no remembered secret (ticket, session id, password) in any log line,
// every stdout line a JSON object, and logging on at all.
import { expect } from 'vitest';
import type { SampleProcess, SecretKind } from './sample-process.js';

const SHOWN = 3;

/** At most a few items, then how many more. */
export function shortList(items: readonly string[]): string[] {
  return items.length <= SHOWN
    ? [...items]
    : [...items.slice(0, SHOWN), `… and ${items.length - SHOWN} more`];
}

/** Log lines containing a secret of `kind` (at most a few shown, secret abbreviated). */
export function leaks(sample: SampleProcess, kind: SecretKind): string[] {
  return shortList(
    sample
      .secretLeaks(kind)
      .map(
        (leak) =>
          `[${leak.line.stream}] ${kind} ${leak.secret.slice(0, 6)}… in: ${leak.line.text.slice(0, 240)}`,
      ),
  );
}

/** Every log-hygiene problem, by rule (all lists empty when the logs are clean). */
export function logProblems(sample: SampleProcess): Record<string, string[]> {
  return {
    'issued tickets in the logs': leaks(sample, 'ticket'),
    'session ids in the logs': leaks(sample, 'session id'),
    'passwords in the logs': leaks(sample, 'password'),
    'stdout lines that are not JSON objects': shortList(sample.nonJsonStdoutLines()),
    'no stdout output (logging must be on)': sample.lines.some((line) => line.stream === 'stdout')
      ? []
      : ['no line'],
  };
}

/** Stops every sample (never throws), then asserts none crashed and every log is clean. */
export async function stopAndCheck(samples: readonly SampleProcess[]): Promise<void> {
  const crashed = samples.map((sample) => sample.crashed);
  await Promise.all(samples.map((sample) => sample.stop()));
  samples.forEach((sample, index) => {
    expect(
      crashed[index],
      `${sample.name} exited on its own (${JSON.stringify(sample.exit)}):\n${sample.logTail()}`,
    ).toBe(false);
    const problems = logProblems(sample);
    expect(problems, `log hygiene of ${sample.name} over the whole run`).toEqual(
      Object.fromEntries(Object.keys(problems).map((rule) => [rule, []])),
    );
  });
}
