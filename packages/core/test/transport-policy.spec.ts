import { describe, expect, it } from 'vitest';
import {
  createTransportPolicy,
  handshakeRequestFrom,
  headerValue,
  WsGateConfigError,
  type TransportPolicyOptions,
  type TrustProxy,
} from '../src/index.js';
import { handshake } from './helpers.js';

describe('isSecure', () => {
  it('is true for a TLS socket whatever the proxy settings', () => {
    const transport = createTransportPolicy();
    expect(transport.isSecure(handshake({ encrypted: true }))).toBe(true);
  });

  it('is false for a plain socket', () => {
    const transport = createTransportPolicy({ trustProxy: 'loopback' });
    expect(transport.isSecure(handshake({ remoteAddress: '127.0.0.1' }))).toBe(false);
  });

  it('believes X-Forwarded-Proto https from a trusted proxy', () => {
    const transport = createTransportPolicy({ trustProxy: 'loopback' });
    expect(
      transport.isSecure(
        handshake({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'https' } }),
      ),
    ).toBe(true);
    expect(
      transport.isSecure(handshake({ remoteAddress: '::1', headers: { 'x-forwarded-proto': 'HTTPS' } })),
    ).toBe(true);
    expect(
      transport.isSecure(handshake({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'wss' } })),
    ).toBe(true);
    expect(
      transport.isSecure(handshake({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'http' } })),
    ).toBe(false);
  });

  it('reads the nearest hop of a multi-valued X-Forwarded-Proto', () => {
    const transport = createTransportPolicy({ trustProxy: 'loopback' });
    expect(
      transport.isSecure(
        handshake({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'http, https' } }),
      ),
    ).toBe(true);
    expect(
      transport.isSecure(
        handshake({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'https, http' } }),
      ),
    ).toBe(false);
  });

  it('ignores X-Forwarded-Proto from an untrusted peer', () => {
    const loopbackOnly = createTransportPolicy({ trustProxy: 'loopback' });
    expect(
      loopbackOnly.isSecure(
        handshake({ remoteAddress: '203.0.113.9', headers: { 'x-forwarded-proto': 'https' } }),
      ),
    ).toBe(false);
    const noProxy = createTransportPolicy();
    expect(
      noProxy.isSecure(handshake({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'https' } })),
    ).toBe(false);
    expect(
      loopbackOnly.isSecure(
        handshake({ remoteAddress: undefined, headers: { 'x-forwarded-proto': 'https' } }),
      ),
    ).toBe(false);
  });

  it('carries requireSecure', () => {
    expect(createTransportPolicy().requireSecure).toBe(false);
    expect(createTransportPolicy({ requireSecure: true }).requireSecure).toBe(true);
  });
});

describe('clientIp', () => {
  const forwarded = (remoteAddress: string | undefined, xff: string) =>
    handshake({ remoteAddress, headers: { 'x-forwarded-for': xff } });

  it('uses the socket address, normalised, and ignores X-Forwarded-For without trusted proxies', () => {
    const transport = createTransportPolicy();
    expect(transport.clientIp(forwarded('::ffff:127.0.0.1', '198.51.100.1'))).toBe('127.0.0.1');
    expect(transport.clientIp(forwarded('2001:DB8:0:0::1', '198.51.100.1'))).toBe('2001:db8::1');
    expect(
      createTransportPolicy({ trustProxy: false }).clientIp(forwarded('203.0.113.1', '198.51.100.1')),
    ).toBe('203.0.113.1');
  });

  it('is undefined when the peer address is unknown', () => {
    expect(
      createTransportPolicy({ trustProxy: true }).clientIp(forwarded(undefined, '198.51.100.1')),
    ).toBeUndefined();
  });

  it("walks X-Forwarded-For right to left through trusted hops only ('loopback')", () => {
    const transport = createTransportPolicy({ trustProxy: 'loopback' });
    // The nearest entry is not a loopback proxy: it is the client, whatever it claims further left.
    expect(transport.clientIp(forwarded('127.0.0.1', '198.51.100.1, 10.0.0.1'))).toBe('10.0.0.1');
    // Two loopback hops, then the client.
    expect(transport.clientIp(forwarded('127.0.0.1', '198.51.100.1, 127.0.0.2'))).toBe('198.51.100.1');
    // An untrusted peer's header is ignored.
    expect(transport.clientIp(forwarded('203.0.113.5', '198.51.100.1'))).toBe('203.0.113.5');
  });

  it('trusts a number of hops', () => {
    const xff = '198.51.100.1, 198.51.100.2, 198.51.100.3';
    expect(createTransportPolicy({ trustProxy: 0 }).clientIp(forwarded('10.0.0.1', xff))).toBe('10.0.0.1');
    expect(createTransportPolicy({ trustProxy: 1 }).clientIp(forwarded('10.0.0.1', xff))).toBe(
      '198.51.100.3',
    );
    expect(createTransportPolicy({ trustProxy: 2 }).clientIp(forwarded('10.0.0.1', xff))).toBe(
      '198.51.100.2',
    );
    expect(createTransportPolicy({ trustProxy: 10 }).clientIp(forwarded('10.0.0.1', xff))).toBe(
      '198.51.100.1',
    );
  });

  it('trusts every hop with true (the leftmost entry is the client)', () => {
    expect(
      createTransportPolicy({ trustProxy: true }).clientIp(
        forwarded('10.0.0.1', '198.51.100.1, 198.51.100.2'),
      ),
    ).toBe('198.51.100.1');
  });

  it('trusts addresses and CIDRs given as a list or comma string', () => {
    const xff = '198.51.100.1, 10.0.0.7';
    expect(createTransportPolicy({ trustProxy: ['10.0.0.0/8'] }).clientIp(forwarded('10.0.0.1', xff))).toBe(
      '198.51.100.1',
    );
    expect(
      createTransportPolicy({ trustProxy: '10.0.0.1, 10.0.0.7' }).clientIp(forwarded('10.0.0.1', xff)),
    ).toBe('198.51.100.1');
    expect(createTransportPolicy({ trustProxy: '10.0.0.1' }).clientIp(forwarded('10.0.0.1', xff))).toBe(
      '10.0.0.7',
    );
  });

  it('asks a trust function about each hop', () => {
    const calls: [string, number][] = [];
    const transport = createTransportPolicy({
      trustProxy: (address, hop) => {
        calls.push([address, hop]);
        return address === '10.0.0.1';
      },
    });
    expect(transport.clientIp(forwarded('10.0.0.1', '198.51.100.1, 198.51.100.2'))).toBe('198.51.100.2');
    expect(calls).toContainEqual(['10.0.0.1', 0]);
    expect(calls).toContainEqual(['198.51.100.2', 1]);
    expect(
      transport.isSecure(handshake({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-proto': 'https' } })),
    ).toBe(true);
    expect(
      transport.isSecure(handshake({ remoteAddress: '10.0.0.2', headers: { 'x-forwarded-proto': 'https' } })),
    ).toBe(false);
  });

  it('normalises the forwarded address; garbage counts as the proxy that forwarded it', () => {
    const transport = createTransportPolicy({ trustProxy: true });
    expect(transport.clientIp(forwarded('127.0.0.1', '::ffff:198.51.100.1'))).toBe('198.51.100.1');
    expect(transport.clientIp(forwarded('127.0.0.1', 'not-an-ip'))).toBe('127.0.0.1');
  });
});

describe('options', () => {
  it.each<[string, TransportPolicyOptions]>([
    ['a negative hop count', { trustProxy: -1 }],
    ['a fractional hop count', { trustProxy: 1.5 }],
    ['an invalid address', { trustProxy: 'not-an-address' }],
    ['an invalid CIDR', { trustProxy: ['10.0.0.0/99'] as TrustProxy }],
    ['a non-boolean requireSecure', { requireSecure: 'yes' as unknown as boolean }],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    expect(() => createTransportPolicy(options)).toThrow(WsGateConfigError);
  });
});

describe('handshakeRequestFrom / headerValue', () => {
  it('reads an IncomingMessage-like object', () => {
    const request = handshakeRequestFrom({
      method: 'GET',
      url: '/ws?x=1',
      headers: { origin: 'https://app.example.com' },
      socket: { remoteAddress: '127.0.0.1', encrypted: true },
    });
    expect(request).toEqual({
      method: 'GET',
      url: '/ws?x=1',
      headers: { origin: 'https://app.example.com' },
      remoteAddress: '127.0.0.1',
      encrypted: true,
    });
  });

  it("reads a framework's request through the Node request it wraps as `raw` (Fastify's)", () => {
    const raw = {
      method: 'POST',
      url: '/ws-ticket',
      headers: { origin: 'https://app.example.com' },
      socket: { remoteAddress: '10.0.0.7', encrypted: false },
    };
    // The wrapper's own fields (Fastify's `url`, `headers`, `ip`) are not read: the Node socket's are.
    expect(
      handshakeRequestFrom({ raw, url: '/other', headers: {}, ip: '1.2.3.4' } as { raw: typeof raw }),
    ).toEqual({
      method: 'POST',
      url: '/ws-ticket',
      headers: { origin: 'https://app.example.com' },
      remoteAddress: '10.0.0.7',
      encrypted: false,
    });
  });

  it('defaults what is missing', () => {
    expect(handshakeRequestFrom({ headers: {}, socket: null })).toEqual({
      method: 'GET',
      url: '/',
      headers: {},
      remoteAddress: undefined,
      encrypted: false,
    });
  });

  it('returns the first value of a header', () => {
    expect(headerValue({ a: 'x', b: ['y', 'z'] }, 'a')).toBe('x');
    expect(headerValue({ a: 'x', b: ['y', 'z'] }, 'b')).toBe('y');
    expect(headerValue({ a: 'x' }, 'c')).toBeUndefined();
  });
});

describe('clientIp with a forwarded address that is not an IP address', () => {
  const forwarded = (remoteAddress: string | undefined, xff: string) =>
    handshake({ remoteAddress, headers: { 'x-forwarded-for': xff } });

  it('falls back to the trusted proxy that forwarded it, never to undefined', () => {
    const transport = createTransportPolicy({ trustProxy: 'loopback' });
    expect(transport.clientIp(forwarded('127.0.0.1', 'garbage'))).toBe('127.0.0.1');
    expect(transport.clientIp(forwarded('127.0.0.1', '198.51.100.1, garbage'))).toBe('127.0.0.1');
    expect(transport.clientIp(forwarded('127.0.0.1', ''))).toBe('127.0.0.1');
  });

  it('uses the nearest valid hop of a chain of trusted proxies', () => {
    const transport = createTransportPolicy({ trustProxy: true });
    expect(transport.clientIp(forwarded('10.0.0.1', 'garbage, 10.0.0.7'))).toBe('10.0.0.7');
    expect(transport.clientIp(forwarded('::ffff:10.0.0.1', 'not-an-ip'))).toBe('10.0.0.1');
  });

  it('is undefined only when the peer address is unknown or invalid', () => {
    const transport = createTransportPolicy({ trustProxy: true });
    expect(transport.clientIp(forwarded(undefined, '198.51.100.1'))).toBeUndefined();
    expect(transport.clientIp(forwarded('nonsense', '198.51.100.1'))).toBeUndefined();
  });
});
