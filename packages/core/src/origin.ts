/** Parts of a serialised origin after normalisation. */
export interface ParsedOrigin {
  /** `http:` or `https:` */
  readonly protocol: string;
  /** Lower-case ASCII (punycode) host name or bracketed IPv6 literal, without the port. */
  readonly hostname: string;
  /** Port as text, `''` for the scheme's default port. */
  readonly port: string;
  /** The normalised serialisation, e.g. `https://example.com` or `http://127.0.0.1:3000`. */
  readonly origin: string;
}

// scheme "://" host [":" port] — nothing else: no userinfo, path, trailing slash, query or fragment,
// no empty port, no percent-encoding and no control characters (URL would decode or strip them into
// another host).
const SERIALIZED_ORIGIN =
  // eslint-disable-next-line no-control-regex
  /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:\[[0-9A-Fa-f:.]+\]|[^/?#@\\\s%:[\]\x00-\x1f\x7f]+)(?::\d{1,5})?$/;
// After URL's normalisation: letters, digits, `-`, `_` and dots (IDN hosts are punycode by now), or
// a bracketed IPv6 literal. URL's lenient parser also lets `*`, `!`, `$`, ... through; no real host has them.
const VALID_HOSTNAME = /^[a-z0-9_.-]+$|^\[[0-9a-f:.]+\]$/;

/**
 * Most header values whose parse is remembered. Browsers send the few origins of an app over and
 * over; past the bound (many distinct valid origins, as a client cycling through subdomains
 * could send) the memory starts again, so it never grows and the answer never changes.
 */
const MAX_REMEMBERED_ORIGINS = 256;
/** Longer values are parsed every time (no real origin is this long), so the memory stays small. */
const MAX_REMEMBERED_LENGTH = 256;
const rememberedOrigins = new Map<string, ParsedOrigin>();

/**
 * Parses an `Origin` header value (or an allowlist entry) as a serialised origin, normalised:
 * case-insensitive scheme and host, default ports (80 for http, 443 for https) dropped,
 * IDN hosts in punycode. Returns `undefined` for anything that is not a valid http(s)
 * serialised origin: `null`, a path, a trailing slash, userinfo, another scheme, garbage.
 * The result is frozen, and remembered for the next time the same value comes (the parse is a
 * pure function of the text).
 */
export function parseOrigin(value: string): ParsedOrigin | undefined {
  const remembered = rememberedOrigins.get(value);
  if (remembered !== undefined) return remembered;
  const parsed = parseUncached(value);
  if (parsed !== undefined && value.length <= MAX_REMEMBERED_LENGTH) {
    if (rememberedOrigins.size >= MAX_REMEMBERED_ORIGINS) rememberedOrigins.clear();
    rememberedOrigins.set(value, parsed);
  }
  return parsed;
}

function parseUncached(value: string): ParsedOrigin | undefined {
  if (value.length > 2048 || !SERIALIZED_ORIGIN.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || !VALID_HOSTNAME.test(url.hostname)) return undefined;
  return Object.freeze({
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    origin: url.origin,
  });
}

/** Normalises a serialised origin (see {@link parseOrigin}); `undefined` if it is not one. */
export function normalizeOrigin(value: string): string | undefined {
  return parseOrigin(value)?.origin;
}
