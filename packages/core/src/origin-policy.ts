import { WsGateConfigError } from './errors.js';
import { parseOrigin, type ParsedOrigin } from './origin.js';

/**
 * One allowlist entry:
 * - a string: an exact origin (`https://app.example.com`, normalised) or a wildcard-subdomain
 *   pattern (`https://*.example.com`: any depth of subdomain, not the apex), or `*` (only with
 *   `allowAny: true`);
 * - a `RegExp`, tested against the normalised origin (anchor it!);
 * - a function of the normalised origin; a throw counts as "not allowed".
 */
export type OriginPattern = string | RegExp | ((origin: string) => boolean);

/** Options of {@link createOriginPolicy}. */
export interface OriginPolicyOptions {
  /** The allowlist. Must not be empty. */
  allow: OriginPattern | readonly OriginPattern[];
  /**
   * Allow requests without an `Origin` header (non-browser clients; browsers always send one
   * on a WebSocket handshake). Origin is advisory: tickets still authenticate these clients.
   * @default true
   */
  allowMissing?: boolean;
  /** Allow the opaque origin `null` (sandboxed iframes, `file:` pages). @default false */
  allowNull?: boolean;
  /** Required to accept the `*` pattern, which admits every origin. @default false */
  allowAny?: boolean;
}

/** Why an Origin was refused. */
export type OriginRefusalReason = 'missing' | 'null' | 'malformed' | 'not_allowed';

/** Result of {@link OriginPolicy.check}. */
export type OriginCheckResult =
  | { readonly ok: true; readonly origin: string | undefined }
  | { readonly ok: false; readonly reason: OriginRefusalReason };

/** A compiled Origin allowlist. Never throws on input. */
export interface OriginPolicy {
  /**
   * Checks an `Origin` header value (`undefined` when absent). On success, `origin` is the
   * normalised origin (`undefined` when it was absent).
   */
  check(origin: string | undefined): OriginCheckResult;
}

type OriginMatcher = (origin: ParsedOrigin) => boolean;

const WILDCARD_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)\*\.(.+)$/;

function compileStringPattern(pattern: string, allowAny: boolean): OriginMatcher {
  if (pattern === '*') {
    if (!allowAny)
      throw new WsGateConfigError("origin pattern '*' admits every origin: set allowAny: true to mean it");
    return () => true;
  }
  const wildcard = WILDCARD_PREFIX.exec(pattern);
  if (wildcard !== null) {
    const base = parseOrigin(`${wildcard[1]}${wildcard[2]}`);
    if (base === undefined || base.hostname.startsWith('[') || /^[\d.]+$/.test(base.hostname)) {
      throw new WsGateConfigError(`invalid wildcard origin pattern: ${pattern}`);
    }
    const suffix = `.${base.hostname}`;
    return (origin) =>
      origin.protocol === base.protocol &&
      origin.port === base.port &&
      origin.hostname.length > suffix.length &&
      origin.hostname.endsWith(suffix);
  }
  const exact = parseOrigin(pattern);
  if (exact === undefined) throw new WsGateConfigError(`invalid origin in allowlist: ${pattern}`);
  return (origin) => origin.origin === exact.origin;
}

function compilePattern(pattern: OriginPattern, allowAny: boolean): OriginMatcher {
  if (typeof pattern === 'string') return compileStringPattern(pattern, allowAny);
  if (pattern instanceof RegExp) {
    const regexp = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return (origin) => regexp.test(origin.origin);
  }
  if (typeof pattern === 'function') {
    return (origin) => {
      try {
        return pattern(origin.origin) === true;
      } catch {
        return false;
      }
    };
  }
  throw new WsGateConfigError('origin patterns must be strings, RegExps or functions');
}

/**
 * Compiles an Origin allowlist once. Origin is what stops cross-site WebSocket hijacking in
 * browsers; non-browser clients can forge it, so it complements tickets and never replaces
 * them.
 *
 * @example
 * const origins = createOriginPolicy({ allow: ['https://app.example.com', 'https://*.example.com'] });
 * origins.check('https://EU.Example.com:443'); // { ok: true, origin: 'https://eu.example.com' }
 */
export function createOriginPolicy(options: OriginPolicyOptions): OriginPolicy {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('origin policy options are required');
  const patterns: readonly OriginPattern[] = Array.isArray(options.allow)
    ? (options.allow as readonly OriginPattern[])
    : options.allow === undefined
      ? []
      : [options.allow as OriginPattern];
  if (patterns.length === 0)
    throw new WsGateConfigError('origin allowlist is empty: no browser could connect');
  const allowAny = options.allowAny ?? false;
  const matchers = patterns.map((pattern) => compilePattern(pattern, allowAny));
  const allowMissing = options.allowMissing ?? true;
  const allowNull = options.allowNull ?? false;

  return Object.freeze({
    check(origin: string | undefined): OriginCheckResult {
      if (origin === undefined || origin === '') {
        return allowMissing ? { ok: true, origin: undefined } : { ok: false, reason: 'missing' };
      }
      if (typeof origin !== 'string') return { ok: false, reason: 'malformed' };
      if (origin === 'null')
        return allowNull ? { ok: true, origin: undefined } : { ok: false, reason: 'null' };
      const parsed = parseOrigin(origin);
      if (parsed === undefined) return { ok: false, reason: 'malformed' };
      return matchers.some((matches) => matches(parsed))
        ? { ok: true, origin: parsed.origin }
        : { ok: false, reason: 'not_allowed' };
    },
  });
}
