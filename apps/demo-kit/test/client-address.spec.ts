import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from '../src/index.js';

function requestFrom(peer: string | undefined, forwardedFor?: string) {
  return {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: peer },
  };
}

describe('clientAddressResolver', () => {
  it('takes the peer address and ignores X-Forwarded-For without TRUST_PROXY', () => {
    const clientAddress = clientAddressResolver(false);
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.7'))).toBe('127.0.0.1');
  });

  it('takes the address a trusted proxy forwards', () => {
    const clientAddress = clientAddressResolver(['127.0.0.1']);
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7');
    expect(clientAddress(requestFrom('127.0.0.2', '203.0.113.7'))).toBe('127.0.0.2');
  });

  it("counts a forwarded value that is no IP address as the proxy's address, whatever it is", () => {
    const clientAddress = clientAddressResolver(['127.0.0.1']);
    for (const forwarded of ['garbage', 'garbage-2', '300.1.2.3', '1.2.3.4.5', '', 'unknown, also garbage'])
      expect(clientAddress(requestFrom('127.0.0.1', forwarded)), forwarded).toBe('127.0.0.1');
  });

  it("gives a request whose socket is gone one shared key, never a key of the client's choosing", () => {
    const clientAddress = clientAddressResolver(['127.0.0.1']);
    expect(clientAddress(requestFrom(undefined, 'garbage'))).toBe('unknown');
  });
});
