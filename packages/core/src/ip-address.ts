import ipaddr from 'ipaddr.js';

/**
 * Normalises an IP address for comparison: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes
 * IPv4, IPv6 is written in canonical RFC 5952 form, a zone id is dropped. Returns
 * `undefined` for anything that is not an IP address. Idempotent.
 */
export function normalizeIp(address: string | undefined): string | undefined {
  if (address === undefined || address === '') return undefined;
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
