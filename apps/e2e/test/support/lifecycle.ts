// Vitest wiring: one sample process per describe block (started in beforeAll, sockets
// terminated after each test, stopped and log-scanned in afterAll), or two sharing a Redis.
import { leaks, shortList, stopAndCheck } from 'test-support/log-scan';
import { RedisServer } from 'test-support/redis-server';
import { SampleProcess, type StartOptions } from 'test-support/sample-process';
import { SampleSlot } from 'test-support/sample-slot';
import { terminateAllSockets } from 'test-support/ws-client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';

export { SAMPLES } from 'test-support/sample-slot';

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
  const slot = new SampleSlot(sample, options);
  beforeAll(() => slot.start());
  afterEach(() => {
    terminateAllSockets();
  });
  afterAll(async () => {
    terminateAllSockets();
    await slot.stopAndCheck();
  });
  return () => slot.current;
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
