import proxyAddr from 'proxy-addr';
import { WsGateConfigError } from './errors.js';
import { headerValue, type HandshakeRequest } from './handshake-request.js';
import { normalizeIp } from './ip-address.js';

/**
 * Which proxies to trust for `X-Forwarded-For` / `X-Forwarded-Proto`, as in Fastify and
 * Express: `false` (none, default), `true` (every hop: only behind a proxy that overwrites
 * the headers), a number of hops, addresses/CIDRs/named ranges (`'loopback'`,
 * `'linklocal'`, `'uniquelocal'`) as a comma list or array, or a function.
 */
export type TrustProxy =
  boolean | number | string | readonly string[] | ((address: string, hop: number) => boolean);

/** Options of {@link createTransportPolicy}. */
export interface TransportPolicyOptions {
  /** Proxies trusted to report the client address and scheme. @default false */
  trustProxy?: TrustProxy;
  /** Refuse handshakes that did not arrive over TLS (directly or via a trusted proxy). @default false */
  requireSecure?: boolean;
}

/** Transport facts about a request, resolved through trusted proxies only. */
export interface TransportPolicy {
  /** Whether insecure (non-TLS) handshakes are refused. */
  readonly requireSecure: boolean;
  /** TLS socket, or `X-Forwarded-Proto: https` set by a trusted proxy. */
  isSecure(request: HandshakeRequest): boolean;
  /**
   * The client address, normalised: walks `X-Forwarded-For` right to left only through
   * trusted hops. When the address a trusted proxy forwarded is not an IP address
   * (`X-Forwarded-For: garbage`), the address of that proxy is used instead, so that every
   * per-address limit still counts the request. `undefined` only when the peer address itself
   * is unknown (the socket is gone): callers refuse such requests.
   */
  clientIp(request: HandshakeRequest): string | undefined;
}

function compileTrust(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') {
    if (!Number.isInteger(trust) || trust < 0)
      throw new WsGateConfigError('trustProxy hop count must be a non-negative integer');
    return (_address, hop) => hop < trust;
  }
  if (typeof trust === 'function') return trust;
  const list = typeof trust === 'string' ? trust.split(',').map((entry) => entry.trim()) : [...trust];
  try {
    return proxyAddr.compile(list);
  } catch (error) {
    throw new WsGateConfigError(`invalid trustProxy: ${(error as Error).message}`);
  }
}

/**
 * Resolves client address and scheme with the same trusted-proxy rules Fastify uses, and
 * carries the `requireSecure` (wss only) switch.
 *
 * @example
 * const transport = createTransportPolicy({ trustProxy: 'loopback', requireSecure: true });
 */
export function createTransportPolicy(options: TransportPolicyOptions = {}): TransportPolicy {
  const trustsNoProxy = options.trustProxy === undefined || options.trustProxy === false;
  const trust = compileTrust(options.trustProxy ?? false);
  const requireSecure = options.requireSecure ?? false;
  if (typeof requireSecure !== 'boolean') throw new WsGateConfigError('requireSecure must be a boolean');

  const asNodeRequest = (request: HandshakeRequest) =>
    ({
      headers: request.headers,
      connection: { remoteAddress: request.remoteAddress },
    }) as unknown as Parameters<typeof proxyAddr>[0];

  return Object.freeze({
    requireSecure,
    isSecure(request: HandshakeRequest): boolean {
      if (request.encrypted) return true;
      if (request.remoteAddress === undefined || !trust(request.remoteAddress, 0)) return false;
      const proto = headerValue(request.headers, 'x-forwarded-proto');
      if (proto === undefined) return false;
      const nearest = proto.split(',').pop()?.trim().toLowerCase();
      return nearest === 'https' || nearest === 'wss';
    },
    clientIp(request: HandshakeRequest): string | undefined {
      const peer = normalizeIp(request.remoteAddress);
      if (peer === undefined) return undefined;
      // No proxy trusted, or no X-Forwarded-For to walk: the chain is the peer alone.
      if (trustsNoProxy) return peer;
      const forwardedFor = request.headers['x-forwarded-for'];
      if (forwardedFor === undefined || forwardedFor === '') return peer;
      let chain: string[];
      try {
        // [peer, nearest proxy's client, ...]: ends at the first untrusted hop, the client.
        chain = proxyAddr.all(asNodeRequest(request), trust);
      } catch {
        return peer;
      }
      for (let hop = chain.length - 1; hop > 0; hop -= 1) {
        const address = normalizeIp(chain[hop]);
        if (address !== undefined) return address;
      }
      return peer;
    },
  });
}
