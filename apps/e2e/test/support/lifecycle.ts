// Vitest wiring: which samples to run against, and one sample process per describe block
// (started in beforeAll, sockets terminated after each test, stopped and log-scanned in afterAll).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisServer } from './redis.js';
import { SampleProcess, type SecretKind, type StartOptions } from './sample-process.js';
import { terminateAllSockets } from './ws-client.js';

/** Samples to test, from `E2E_SAMPLES` (comma list; default `fastify-sample`). */
export const SAMPLES: readonly string[] = (process.env.E2E_SAMPLES ?? 'fastify-sample')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');

const SHOWN = 3;

function shortList(items: readonly string[]): string[] {
  return items.length <= SHOWN
    ? [...items]
    : [...items.slice(0, SHOWN), `… and ${items.length - SHOWN} more`];
}

/** Log lines containing a secret of `kind` (at most a few shown, secret abbreviated). */
function leaks(sample: SampleProcess, kind: SecretKind): string[] {
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
function logProblems(sample: SampleProcess): Record<string, string[]> {
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
async function stopAndCheck(samples: readonly SampleProcess[]): Promise<void> {
  const crashed = samples.map((sample) => sample.crashed);
  await Promise.all(samples.map((sample) => sample.stop()));
  samples.forEach((sample, index) => {
    expect(
      crashed[index],
      `${sample.name} exited during the tests (${JSON.stringify(sample.exit)}):\n${sample.logTail()}`,
    ).toBe(false);
    const problems = logProblems(sample);
    expect(problems, `log hygiene of ${sample.name} over the whole run`).toEqual(
      Object.fromEntries(Object.keys(problems).map((rule) => [rule, []])),
    );
  });
}

function accessor<T>(get: () => T | undefined, what: string): () => T {
  return () => {
    const value = get();
    if (value === undefined) throw new Error(`${what} is not running (did beforeAll fail?)`);
    return value;
  };
}

/**
 * Starts `sample` before the tests of the enclosing describe block and stops it afterwards;
 * after stopping, asserts it did not crash and that its complete output is clean.
 */
export function useSample(sample: string, options: StartOptions = {}): () => SampleProcess {
  let current: SampleProcess | undefined;
  beforeAll(async () => {
    current = await SampleProcess.start(sample, options);
  });
  afterEach(() => {
    terminateAllSockets();
  });
  afterAll(async () => {
    terminateAllSockets();
    const started = current === undefined ? [] : [current];
    current = undefined;
    await stopAndCheck(started);
  });
  return accessor(() => current, sample);
}

export interface RedisCluster {
  readonly redis: () => RedisServer;
  readonly instances: readonly [() => SampleProcess, () => SampleProcess];
}

/**
 * A redis-server plus two instances of `sample` sharing it through REDIS_URL, started in one
 * beforeAll and stopped in one afterAll (samples first, then Redis, even when a check fails).
 * `options` apply to both instances (REDIS_URL is always set by the cluster).
 */
export function useRedisCluster(sample: string, options: StartOptions = {}): RedisCluster {
  let redis: RedisServer | undefined;
  let instances: SampleProcess[] = [];
  async function stopAll(): Promise<void> {
    terminateAllSockets();
    const started = instances;
    instances = [];
    try {
      await stopAndCheck(started);
    } finally {
      await redis?.stop();
      redis = undefined;
    }
  }
  beforeAll(async () => {
    try {
      redis = await RedisServer.start();
      for (let i = 0; i < 2; i += 1)
        instances.push(
          await SampleProcess.start(sample, { ...options, env: { ...options.env, REDIS_URL: redis.url } }),
        );
    } catch (error) {
      await Promise.allSettled(instances.map((instance) => instance.stop()));
      instances = [];
      await redis?.stop();
      redis = undefined;
      throw error;
    }
  });
  afterEach(() => {
    terminateAllSockets();
  });
  afterAll(stopAll);
  return {
    redis: accessor(() => redis, 'redis-server'),
    instances: [
      accessor(() => instances[0], `${sample} instance A`),
      accessor(() => instances[1], `${sample} instance B`),
    ],
  };
}

/** Named tests over the live logs (the afterAll check repeats them on the complete output). */
export function itKeepsSecretsOutOfLogs(getSample: () => SampleProcess, label = ''): void {
  it(`never logs an issued ticket${label}`, () => {
    const sample = getSample();
    expect(sample.secretsOfKind('ticket').length, 'the tests issued tickets to look for').toBeGreaterThan(0);
    expect(leaks(sample, 'ticket')).toEqual([]);
  });

  it(`never logs a session id or a password${label}`, () => {
    const sample = getSample();
    expect(
      sample.secretsOfKind('session id').length,
      'the tests created sessions to look for',
    ).toBeGreaterThan(0);
    expect([...leaks(sample, 'session id'), ...leaks(sample, 'password')]).toEqual([]);
  });

  it(`logs JSON lines on stdout${label}`, () => {
    const sample = getSample();
    expect(sample.lines.filter((line) => line.stream === 'stdout').length).toBeGreaterThan(0);
    expect(shortList(sample.nonJsonStdoutLines())).toEqual([]);
  });
}
