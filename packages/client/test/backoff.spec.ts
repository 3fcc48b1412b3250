import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import { connect, type RetryInfo } from '../src/index.js';
import { WebSocket } from './support/helpers.js';

const policy = (random: () => number, overrides = {}) => ({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  random,
  ...overrides,
});

describe('backoff', () => {
  it('grows exponentially: the ceiling doubles per attempt', () => {
    const almostOne = () => 0.999_999_999;
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, policy(almostOne)))).toEqual([
      499, 999, 1999, 3999, 7999,
    ]);
    expect(
      [0, 1, 2].map((n) =>
        backoffDelay(
          n,
          policy(() => 0.5, { factor: 3, initialDelayMs: 100 }),
        ),
      ),
    ).toEqual([50, 150, 450]);
  });

  it('caps the ceiling at maxDelayMs, also for huge attempt numbers', () => {
    expect(
      backoffDelay(
        10,
        policy(() => 0.5),
      ),
    ).toBe(15_000);
    expect(
      backoffDelay(
        5_000,
        policy(() => 0.999_999),
      ),
    ).toBeLessThan(30_000);
    expect(
      backoffDelay(
        5_000,
        policy(() => 0.5),
      ),
    ).toBe(15_000);
  });

  it('full jitter: stays within [0, ceiling) for random in [0, 1), even for out-of-range randoms', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      for (const r of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delay = backoffDelay(
          attempt,
          policy(() => r),
        );
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }
      expect(
        backoffDelay(
          attempt,
          policy(() => 0),
        ),
      ).toBe(0);
      expect(
        backoffDelay(
          attempt,
          policy(() => 1),
        ),
      ).toBeLessThan(ceiling);
      expect(
        backoffDelay(
          attempt,
          policy(() => -3),
        ),
      ).toBe(0);
    }
  });

  it('the client uses it: delays of successive failed attempts, through the public API, with injected timers', async () => {
    const scheduled: number[] = [];
    const timers = {
      setTimeout: (callback: () => void, ms: number) => {
        scheduled.push(ms);
        return setTimeout(callback, 0);
      },
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const retries: RetryInfo[] = [];
    const client = connect({
      ticketUrl: 'http://127.0.0.1:1/ticket',
      url: 'ws://127.0.0.1:1/ws',
      WebSocket,
      fetch: async () => new Response('', { status: 503 }),
      reconnect: {
        initialDelayMs: 100,
        maxDelayMs: 1_000,
        factor: 2,
        maxAttempts: 6,
        random: () => 0.5,
        timers,
      },
    });
    client.on('retry', (info) => retries.push(info));
    const stopped = await new Promise((resolve) => client.on('stopped', resolve));
    expect(stopped).toEqual({ reason: 'retries-exhausted' });
    expect(scheduled).toEqual([50, 100, 200, 400, 500, 500]);
    expect(retries).toEqual(scheduled.map((delayMs, i) => ({ attempt: i + 1, delayMs })));
  });
});
