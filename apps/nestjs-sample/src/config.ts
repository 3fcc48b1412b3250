// Reads the environment once, at start-up, into a frozen config; a bad value stops the boot.
import { readFileSync } from 'node:fs';
import type { TrustProxy } from '@wsgate/core';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Origins allowed to request tickets and to open /ws. */
  readonly allowedOrigins: readonly string[];
  readonly ticketTtlMs: number;
  /** Certificate and key when serving https/wss. */
  readonly tls: TlsFiles | undefined;
  readonly trustProxy: TrustProxy;
  readonly requireSecure: boolean;
  /** How refused upgrades are answered (`WS_REFUSAL`): HTTP 401/403 before the upgrade, or open-then-close 4401/4403. */
  readonly refusal: 'http' | 'close-frame';
  /**
   * `REDIS_URL`: keep tickets, sessions and revocations in this Redis, shared by every
   * instance; `undefined` keeps everything in this process. Never logged (it may hold a password).
   */
  readonly redisUrl: string | undefined;
}

/** An environment variable has a value the sample cannot use. */
export class ConfigError extends Error {
  readonly code = 'SAMPLE_INVALID_ENV';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0' || raw === 'no') return false;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false`);
}

function refusalMode(env: Env): AppConfig['refusal'] {
  const raw = env['WS_REFUSAL'] ?? '';
  if (raw === '' || raw === 'http') return 'http';
  if (raw === 'close-frame') return 'close-frame';
  throw new ConfigError("WS_REFUSAL must be 'http' or 'close-frame'");
}

function trustProxy(env: Env): TrustProxy {
  const raw = (env['TRUST_PROXY'] ?? '').trim();
  if (raw === '' || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function redisUrl(env: Env): string | undefined {
  const raw = (env['REDIS_URL'] ?? '').trim();
  if (raw === '') return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError('REDIS_URL must be a URL such as redis://127.0.0.1:6379');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:')
    throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  return raw;
}

function tlsFiles(env: Env): TlsFiles | undefined {
  const certFile = env['TLS_CERT_FILE'] ?? '';
  const keyFile = env['TLS_KEY_FILE'] ?? '';
  if (certFile === '' && keyFile === '') return undefined;
  if (certFile === '' || keyFile === '')
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  try {
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (error) {
    throw new ConfigError(
      `cannot read the TLS files: ${(error as NodeJS.ErrnoException).code ?? 'read error'}`,
    );
  }
}

export function loadConfig(env: Env): AppConfig {
  const port = integer(env, 'PORT', 3001, 0, 65_535);
  const host = env['HOST'] === undefined || env['HOST'] === '' ? '127.0.0.1' : env['HOST'];
  const tls = tlsFiles(env);
  const scheme = tls === undefined ? 'http' : 'https';
  const origins = (env['ALLOWED_ORIGINS'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return Object.freeze({
    port,
    host,
    allowedOrigins: Object.freeze(
      origins.length > 0 ? origins : [`${scheme}://127.0.0.1:${port}`, `${scheme}://localhost:${port}`],
    ),
    ticketTtlMs: integer(env, 'TICKET_TTL_MS', 30_000, 1, 3_600_000),
    tls,
    trustProxy: trustProxy(env),
    requireSecure: flag(env, 'REQUIRE_SECURE'),
    refusal: refusalMode(env),
    redisUrl: redisUrl(env),
  });
}

/** Injection token of the {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
