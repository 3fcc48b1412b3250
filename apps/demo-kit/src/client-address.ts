// The client address the samples' own per-address limits count (the login limit): the one
// @wsgate resolves for its limits, so that one rule decides what a client's address is.
import { createTransportPolicy, handshakeRequestFrom, type IncomingMessageLike } from '@wsgate/core';
import type { DemoTrustProxy } from './demo-config.js';

/** The key of a request whose peer address is unknown (its socket is already gone). */
const UNKNOWN_ADDRESS = 'unknown';

/**
 * Resolves a request's client address with core's transport policy under `TRUST_PROXY`:
 * `X-Forwarded-For` is walked only through trusted hops, and when what a trusted proxy forwarded
 * is not an IP address (`garbage`, `300.1.2.3`, an empty value), the proxy's own address is the
 * client's. Frameworks' `request.ip` would make that unparsable value the address, so that a
 * client varying it would get a fresh per-address budget on every request.
 *
 * @example
 * const clientAddress = clientAddressResolver(config.trustProxy);
 * clientAddress(request.raw); // '127.0.0.1'
 */
export function clientAddressResolver(trustProxy: DemoTrustProxy): (request: IncomingMessageLike) => string {
  const transport = createTransportPolicy({ trustProxy });
  return (request) => transport.clientIp(handshakeRequestFrom(request)) ?? UNKNOWN_ADDRESS;
}
