// Reads the environment once, at start-up, into one frozen config (docs/demo-protocol.md,
// "Environment"); a bad value stops the boot with a DemoConfigError.
import { readFileSync } from 'node:fs';
import { DemoConfigError } from './errors.js';

/** Certificate and key (PEM) of a sample serving https/wss. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** `TRUST_PROXY`: nobody (`false`), every hop (`true`), a number of hops, or addresses/CIDRs/ranges. */
export type DemoTrustProxy = boolean | number | readonly string[];

/** How often `POST /login` may be tried: per client address and per account, per window. */
export interface LoginLimits {
  /** Attempts per client address and window (`LOGIN_LIMIT_PER_ADDRESS`). @default 20 */
  readonly perAddress: number;
  /** Attempts naming one username, per window (`LOGIN_LIMIT_PER_ACCOUNT`). @default 10 */
  readonly perAccount: number;
  /** The window, in milliseconds (`LOGIN_LIMIT_WINDOW_MS`). @default 60_000 */
  readonly windowMs: number;
}

/** Bounds of the session store. */
export interface SessionLimits {
  /** Live sessions per user; a login beyond it ends that user's oldest (`SESSIONS_PER_USER`). @default 5 */
  readonly perUser: number;
  /** A session unused (no login, ticket or logout with its cookie) this long ends (`SESSION_IDLE_MS`). @default 1_800_000 */
  readonly idleMs: number;
  /** A session ends this long after its login, used or not (`SESSION_MAX_AGE_MS`). @default 43_200_000 */
  readonly maxAgeMs: number;
}

/** Who may read `GET /metrics` (`METRICS`): nobody, loopback clients only, or everyone. */
export type MetricsAccess = 'off' | 'loopback' | 'public';

/** How open WebSocket connections are supervised, drained and capped. */
export interface WebSocketSettings {
  /** Close sockets older than this with 4000, re-authenticate (`WS_MAX_LIFETIME_MS`; 0 = off). @default 0 */
  readonly maxLifetimeMs: number;
  /** How often open sockets' sessions are checked again (`WS_SESSION_CHECK_INTERVAL_MS`). @default 60_000 */
  readonly sessionCheckIntervalMs: number;
  /** How long open sockets are still served once a shutdown starts (`WS_DRAIN_DELAY_MS`). @default 0 */
  readonly drainDelayMs: number;
  /** Longest wait for the 1012 closes of a shutdown before the rest are dropped (`WS_DRAIN_TIMEOUT_MS`). @default 5_000 */
  readonly drainTimeoutMs: number;
  /** Sockets per user (`WS_MAX_PER_SUBJECT`), across instances with `REDIS_URL`. @default 10 */
  readonly maxPerSubject: number;
  /** Sockets per client address (`WS_MAX_PER_ADDRESS`), across instances with `REDIS_URL`. @default 100 */
  readonly maxPerAddress: number;
}

/** The settings of a demo sample, read once from the environment. */
export interface DemoConfig {
  readonly port: number;
  readonly host: string;
  /** Origins allowed to request tickets and to open /ws. */
  readonly allowedOrigins: readonly string[];
  readonly ticketTtlMs: number;
  /** Certificate and key when serving https/wss. */
  readonly tls: TlsFiles | undefined;
  readonly trustProxy: DemoTrustProxy;
  readonly requireSecure: boolean;
  /** How refused upgrades are answered (`WS_REFUSAL`): HTTP 401/403 before the upgrade, or open-then-close 4401/4403. */
  readonly refusal: 'http' | 'close-frame';
  /**
   * `REDIS_URL`: keep tickets, sessions and revocations in this Redis, shared by every
   * instance; `undefined` keeps everything in this process. Never logged (it may hold a password).
   */
  readonly redisUrl: string | undefined;
  /** Longest wait for one Redis command before the request is answered 503 (`REDIS_TIMEOUT_MS`). @default 1_000 */
  readonly redisTimeoutMs: number;
  /**
   * With `REDIS_URL`: how long this instance's connection slots outlive it when it dies without
   * closing its sockets (`REDIS_INSTANCE_TTL_MS`). @default 15_000
   */
  readonly redisInstanceTtlMs: number;
  /** Who may read `GET /metrics` (`METRICS`). @default 'loopback' */
  readonly metrics: MetricsAccess;
  readonly webSocket: WebSocketSettings;
  readonly loginLimits: LoginLimits;
  /**
   * `POST /ws-ticket` requests per client address and minute, counted before authentication
   * (`TICKET_LIMIT_PER_ADDRESS`), beside the protocol's 30 tickets per session and minute.
   * @default 300
   */
  readonly ticketLimitPerAddress: number;
  readonly sessions: SessionLimits;
  /** Rooms one socket may join; one more is `TOO_MANY_ROOMS` (`MAX_ROOMS_PER_SOCKET`). @default 50 */
  readonly maxRoomsPerSocket: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const DAY_MS = 24 * 60 * 60 * 1_000;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new DemoConfigError(`${name} must be an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw new DemoConfigError(`${name} must be between ${min} and ${max}`);
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0' || raw === 'no') return false;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  throw new DemoConfigError(`${name} must be true or false`);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function refusalMode(env: Env): DemoConfig['refusal'] {
  const raw = (env['WS_REFUSAL'] ?? '').trim();
  if (raw === '' || raw === 'http') return 'http';
  if (raw === 'close-frame') return 'close-frame';
  throw new DemoConfigError("WS_REFUSAL must be 'http' or 'close-frame'");
}

function trustProxy(env: Env): DemoTrustProxy {
  const raw = (env['TRUST_PROXY'] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return Object.freeze(list(env['TRUST_PROXY']));
}

function metricsAccess(env: Env): MetricsAccess {
  const raw = (env['METRICS'] ?? '').trim();
  if (raw === '') return 'loopback';
  if (raw === 'off' || raw === 'loopback' || raw === 'public') return raw;
  throw new DemoConfigError("METRICS must be 'off', 'loopback' or 'public'");
}

function redisUrl(env: Env): string | undefined {
  const raw = (env['REDIS_URL'] ?? '').trim();
  if (raw === '') return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new DemoConfigError('REDIS_URL must be a URL such as redis://127.0.0.1:6379');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:')
    throw new DemoConfigError('REDIS_URL must start with redis:// or rediss://');
  return raw;
}

function tlsFiles(env: Env): TlsFiles | undefined {
  const certFile = (env['TLS_CERT_FILE'] ?? '').trim();
  const keyFile = (env['TLS_KEY_FILE'] ?? '').trim();
  if (certFile === '' && keyFile === '') return undefined;
  if (certFile === '' || keyFile === '')
    throw new DemoConfigError('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  try {
    return Object.freeze({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  } catch (error) {
    throw new DemoConfigError(
      `cannot read the TLS files: ${(error as NodeJS.ErrnoException).code ?? 'read error'}`,
    );
  }
}

/**
 * Reads a sample's environment variables, with the protocol's defaults (docs/demo-protocol.md,
 * "Environment"). Throws {@link DemoConfigError} for a value it cannot use.
 *
 * @example
 * const config = readDemoConfig(process.env, { defaultPort: 3000 });
 */
export function readDemoConfig(env: Env, options: { readonly defaultPort: number }): DemoConfig {
  const port = integer(env, 'PORT', options.defaultPort, 0, 65_535);
  const host = (env['HOST'] ?? '').trim();
  const tls = tlsFiles(env);
  const scheme = tls === undefined ? 'http' : 'https';
  const origins = list(env['ALLOWED_ORIGINS']);
  return Object.freeze({
    port,
    host: host === '' ? '127.0.0.1' : host,
    allowedOrigins: Object.freeze(
      origins.length > 0 ? origins : [`${scheme}://127.0.0.1:${port}`, `${scheme}://localhost:${port}`],
    ),
    ticketTtlMs: integer(env, 'TICKET_TTL_MS', 30_000, 1, 3_600_000),
    tls,
    trustProxy: trustProxy(env),
    requireSecure: flag(env, 'REQUIRE_SECURE'),
    refusal: refusalMode(env),
    redisUrl: redisUrl(env),
    redisTimeoutMs: integer(env, 'REDIS_TIMEOUT_MS', 1_000, 1, 60_000),
    redisInstanceTtlMs: integer(env, 'REDIS_INSTANCE_TTL_MS', 15_000, 1_000, DAY_MS),
    metrics: metricsAccess(env),
    webSocket: Object.freeze({
      maxLifetimeMs: integer(env, 'WS_MAX_LIFETIME_MS', 0, 0, 30 * DAY_MS),
      sessionCheckIntervalMs: integer(env, 'WS_SESSION_CHECK_INTERVAL_MS', 60_000, 100, DAY_MS),
      drainDelayMs: integer(env, 'WS_DRAIN_DELAY_MS', 0, 0, 3_600_000),
      drainTimeoutMs: integer(env, 'WS_DRAIN_TIMEOUT_MS', 5_000, 1, 3_600_000),
      maxPerSubject: integer(env, 'WS_MAX_PER_SUBJECT', 10, 1, 1_000_000),
      maxPerAddress: integer(env, 'WS_MAX_PER_ADDRESS', 100, 1, 1_000_000),
    }),
    loginLimits: Object.freeze({
      perAddress: integer(env, 'LOGIN_LIMIT_PER_ADDRESS', 20, 1, 1_000_000),
      perAccount: integer(env, 'LOGIN_LIMIT_PER_ACCOUNT', 10, 1, 1_000_000),
      windowMs: integer(env, 'LOGIN_LIMIT_WINDOW_MS', 60_000, 1_000, DAY_MS),
    }),
    sessions: Object.freeze({
      perUser: integer(env, 'SESSIONS_PER_USER', 5, 1, 1_000),
      idleMs: integer(env, 'SESSION_IDLE_MS', 30 * 60 * 1_000, 1_000, 30 * DAY_MS),
      maxAgeMs: integer(env, 'SESSION_MAX_AGE_MS', 12 * 60 * 60 * 1_000, 1_000, 30 * DAY_MS),
    }),
    maxRoomsPerSocket: integer(env, 'MAX_ROOMS_PER_SOCKET', 50, 1, 10_000),
    ticketLimitPerAddress: integer(env, 'TICKET_LIMIT_PER_ADDRESS', 300, 1, 1_000_000),
  });
}
