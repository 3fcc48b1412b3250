/** The sample's settings, read once from the environment (see docs/demo-protocol.md). */
export interface SampleConfig {
  readonly port: number;
  readonly host: string;
  readonly allowedOrigins: readonly string[];
  readonly ticketTtlMs: number;
  readonly redisUrl: string | undefined;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly trustProxy: boolean | string;
  readonly requireSecure: boolean;
  /** How refused upgrades are answered: `http` (401/403 before the upgrade) or `close-frame` (open, then close 4401/4403). */
  readonly refusal: 'http' | 'close-frame';
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return parsed;
}

function refusalMode(value: string | undefined): SampleConfig['refusal'] {
  if (value === undefined || value === '') return 'http';
  if (value === 'http' || value === 'close-frame') return value;
  throw new RangeError("WS_REFUSAL must be 'http' or 'close-frame'");
}

function flag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

/** Reads the sample's environment variables, with the protocol's defaults. */
export function readConfig(env: NodeJS.ProcessEnv, defaultPort: number): SampleConfig {
  const port = integer('PORT', env['PORT'], defaultPort);
  const tlsCert = env['TLS_CERT_FILE'];
  const tlsKey = env['TLS_KEY_FILE'];
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new RangeError('TLS_CERT_FILE and TLS_KEY_FILE go together');
  const scheme = tlsCert === undefined ? 'http' : 'https';
  const trustProxy = env['TRUST_PROXY'];
  return Object.freeze({
    port,
    host: env['HOST'] ?? '127.0.0.1',
    allowedOrigins: (env['ALLOWED_ORIGINS'] ?? `${scheme}://127.0.0.1:${port},${scheme}://localhost:${port}`)
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    ticketTtlMs: integer('TICKET_TTL_MS', env['TICKET_TTL_MS'], 30_000),
    redisUrl: env['REDIS_URL'] || undefined,
    tls: tlsCert === undefined || tlsKey === undefined ? undefined : { certFile: tlsCert, keyFile: tlsKey },
    trustProxy: trustProxy === undefined || trustProxy === '' ? false : flag(trustProxy) ? true : trustProxy,
    requireSecure: flag(env['REQUIRE_SECURE']),
    refusal: refusalMode(env['WS_REFUSAL']),
  });
}
