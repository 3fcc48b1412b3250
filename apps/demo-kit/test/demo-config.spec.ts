import { describe, expect, it } from 'vitest';
import { DemoConfigError, readDemoConfig } from '../src/index.js';

describe('readDemoConfig', () => {
  it('has the documented defaults, frozen', () => {
    const config = readDemoConfig({}, { defaultPort: 3000 });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      allowedOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
      ticketTtlMs: 30_000,
      tls: undefined,
      trustProxy: false,
      requireSecure: false,
      refusal: 'http',
      redisUrl: undefined,
      redisTimeoutMs: 1_000,
      loginLimits: { perAddress: 20, perAccount: 10, windowMs: 60_000 },
      sessions: { perUser: 5, idleMs: 1_800_000, maxAgeMs: 43_200_000 },
      maxRoomsPerSocket: 50,
      redisInstanceTtlMs: 15_000,
      metrics: 'loopback',
      webSocket: {
        maxLifetimeMs: 0,
        sessionCheckIntervalMs: 60_000,
        drainDelayMs: 0,
        drainTimeoutMs: 5_000,
        maxPerSubject: 10,
        maxPerAddress: 100,
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.loginLimits)).toBe(true);
    expect(Object.isFrozen(config.sessions)).toBe(true);
    expect(Object.isFrozen(config.webSocket)).toBe(true);
  });

  it('reads the WebSocket settings and METRICS', () => {
    const config = readDemoConfig(
      {
        METRICS: 'public',
        WS_MAX_LIFETIME_MS: '1500',
        WS_SESSION_CHECK_INTERVAL_MS: '500',
        WS_DRAIN_DELAY_MS: '200',
        WS_DRAIN_TIMEOUT_MS: '3000',
        WS_MAX_PER_SUBJECT: '4',
        WS_MAX_PER_ADDRESS: '8',
        REDIS_INSTANCE_TTL_MS: '2000',
      },
      { defaultPort: 1 },
    );
    expect(config.metrics).toBe('public');
    expect(config.redisInstanceTtlMs).toBe(2_000);
    expect(config.webSocket).toEqual({
      maxLifetimeMs: 1_500,
      sessionCheckIntervalMs: 500,
      drainDelayMs: 200,
      drainTimeoutMs: 3_000,
      maxPerSubject: 4,
      maxPerAddress: 8,
    });
    expect(readDemoConfig({ METRICS: 'off' }, { defaultPort: 1 }).metrics).toBe('off');
  });

  it('reads TRUST_PROXY as nobody, everybody, a hop count or a list', () => {
    const trust = (value: string) => readDemoConfig({ TRUST_PROXY: value }, { defaultPort: 1 }).trustProxy;
    expect(trust('')).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('1')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('127.0.0.1, loopback')).toEqual(['127.0.0.1', 'loopback']);
  });

  it.each([
    ['PORT', '70000'],
    ['LOGIN_LIMIT_PER_ADDRESS', '0'],
    ['LOGIN_LIMIT_PER_ACCOUNT', 'ten'],
    ['SESSIONS_PER_USER', '-1'],
    ['SESSION_IDLE_MS', '10'],
    ['MAX_ROOMS_PER_SOCKET', '0'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REQUIRE_SECURE', 'maybe'],
    ['WS_REFUSAL', 'silent'],
    ['METRICS', 'everyone'],
    ['WS_MAX_LIFETIME_MS', '-5'],
    ['WS_SESSION_CHECK_INTERVAL_MS', '0'],
    ['WS_DRAIN_TIMEOUT_MS', '0'],
    ['WS_MAX_PER_SUBJECT', '0'],
    ['REDIS_INSTANCE_TTL_MS', '10'],
    ['TLS_CERT_FILE', '/no/such/cert.pem'],
  ])('refuses %s=%s with DemoConfigError (DEMO_INVALID_ENV)', (name, value) => {
    expect(() => readDemoConfig({ [name]: value }, { defaultPort: 1 })).toThrow(DemoConfigError);
    try {
      readDemoConfig({ [name]: value }, { defaultPort: 1 });
    } catch (error) {
      expect((error as DemoConfigError).code).toBe('DEMO_INVALID_ENV');
    }
  });
});
