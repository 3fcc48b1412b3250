import ipaddr from 'ipaddr.js';

/** What a socket reports for an IPv4 client on a dual-stack listener: `::ffff:1.2.3.4`. */
const MAPPED_IPV4_PREFIX = '::ffff:';

/**
 * Packs a canonical dotted-quad IPv4 address (`1.2.3.4`: four decimal octets up to 255, no
 * leading zero) into an int32; `undefined` for anything else (other IPv4 spellings, IPv6, text).
 * A canonical address is its own normal form, so it needs no further parsing.
 */
export function packCanonicalIPv4(address: string): number | undefined {
  if (address.length < 7 || address.length > 15) return undefined;
  let packed = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let index = 0; index < address.length; index += 1) {
    const code = address.charCodeAt(index);
    if (code === 0x2e) {
      if (digits === 0 || dots === 3) return undefined;
      packed = (packed << 8) | octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else if (code >= 0x30 && code <= 0x39) {
      // A leading zero is not canonical (and some parsers read it as octal).
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (code - 0x30);
      digits += 1;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return (packed << 8) | octet;
}

/** The dotted-quad text of an address packed by {@link packCanonicalIPv4}. */
export function unpackIPv4(packed: number): string {
  return `${(packed >>> 24) & 255}.${(packed >>> 16) & 255}.${(packed >>> 8) & 255}.${packed & 255}`;
}

/**
 * Normalises an IP address for comparison: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes
 * IPv4, IPv6 is written in canonical RFC 5952 form, a zone id is dropped. Returns
 * `undefined` for anything that is not an IP address. Idempotent.
 */
export function normalizeIp(address: string | undefined): string | undefined {
  if (address === undefined || address === '') return undefined;
  // What sockets report, without parsing: a canonical IPv4 address, or one mapped into IPv6.
  if (packCanonicalIPv4(address) !== undefined) return address;
  if (address.startsWith(MAPPED_IPV4_PREFIX)) {
    const mapped = address.slice(MAPPED_IPV4_PREFIX.length);
    if (packCanonicalIPv4(mapped) !== undefined) return mapped;
  }
  const withoutZone = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  if (!ipaddr.isValid(withoutZone)) return undefined;
  try {
    return ipaddr.process(withoutZone).toString();
  } catch {
    return undefined;
  }
}

/** Prefix lengths for binding a ticket to the client's network rather than its exact address. */
export interface IpPrefixBinding {
  /** IPv4 prefix length (0-32) that must match. @default 32 */
  readonly v4Prefix?: number;
  /** IPv6 prefix length (0-128) that must match. @default 128 */
  readonly v6Prefix?: number;
}

/**
 * Whether two normalised addresses are the same client for ticket binding: equal, or in the
 * same IPv4 /`v4Prefix` or IPv6 /`v6Prefix` network. Different families never match.
 */
export function sameClientAddress(a: string, b: string, prefix: Required<IpPrefixBinding>): boolean {
  if (a === b) return true;
  let left: ipaddr.IPv4 | ipaddr.IPv6;
  let right: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    left = ipaddr.parse(a);
    right = ipaddr.parse(b);
  } catch {
    return false;
  }
  if (left.kind() !== right.kind()) return false;
  const bits = left.kind() === 'ipv4' ? prefix.v4Prefix : prefix.v6Prefix;
  return left.kind() === 'ipv4'
    ? (left as ipaddr.IPv4).match(right as ipaddr.IPv4, bits)
    : (left as ipaddr.IPv6).match(right as ipaddr.IPv6, bits);
}
