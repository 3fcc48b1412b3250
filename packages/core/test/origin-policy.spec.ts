import { describe, expect, it } from 'vitest';
import {
  createOriginPolicy,
  normalizeOrigin,
  parseOrigin,
  WsGateConfigError,
  type OriginPolicyOptions,
} from '../src/index.js';

describe('normalizeOrigin / parseOrigin', () => {
  it.each([
    ['HTTPS://App.Example.com:443', 'https://app.example.com'],
    ['http://app.example.com:80', 'http://app.example.com'],
    ['https://app.example.com:80', 'https://app.example.com:80'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeOrigin(input)).toBe(expected);
  });

  it('splits the parts', () => {
    expect(parseOrigin('HTTPS://App.Example.com:8443')).toEqual({
      protocol: 'https:',
      hostname: 'app.example.com',
      port: '8443',
      origin: 'https://app.example.com:8443',
    });
  });

  it('answers the same for a value seen before, past its memory of values and for long ones', () => {
    const policy = createOriginPolicy({ allow: ['https://*.example.com'] });
    const first = parseOrigin('HTTPS://App.Example.com');
    expect(parseOrigin('HTTPS://App.Example.com')).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
    // More distinct origins than it remembers, twice over, each still answered on its own.
    for (let round = 0; round < 2; round += 1) {
      for (let index = 0; index < 600; index += 1) {
        expect(policy.check(`https://Tenant-${index}.example.com:443`)).toEqual({
          ok: true,
          origin: `https://tenant-${index}.example.com`,
        });
        expect(policy.check(`https://tenant-${index}.example.org`)).toEqual({
          ok: false,
          reason: 'not_allowed',
        });
      }
    }
    const long = `https://${'a'.repeat(300)}.example.com`;
    expect(normalizeOrigin(long)).toBe(long);
    expect(normalizeOrigin(long)).toBe(long);
    expect(normalizeOrigin(`${long}/`)).toBeUndefined();
  });
});

describe('exact origins', () => {
  const policy = createOriginPolicy({
    allow: ['https://app.example.com', 'http://localhost:3000', 'https://bücher.example'],
  });

  it('admits the listed origins and returns them normalised', () => {
    expect(policy.check('https://app.example.com')).toEqual({ ok: true, origin: 'https://app.example.com' });
    expect(policy.check('HTTPS://APP.EXAMPLE.COM')).toEqual({ ok: true, origin: 'https://app.example.com' });
    expect(policy.check('https://app.example.com:443')).toEqual({
      ok: true,
      origin: 'https://app.example.com',
    });
    expect(policy.check('http://localhost:3000')).toEqual({ ok: true, origin: 'http://localhost:3000' });
  });

  it('matches IDN hosts in either form', () => {
    expect(policy.check('https://xn--bcher-kva.example')).toEqual({
      ok: true,
      origin: 'https://xn--bcher-kva.example',
    });
    expect(policy.check('https://bücher.example')).toEqual({
      ok: true,
      origin: 'https://xn--bcher-kva.example',
    });
    const punycodeListed = createOriginPolicy({ allow: 'https://xn--bcher-kva.example' });
    expect(punycodeListed.check('https://bücher.example')).toMatchObject({ ok: true });
  });

  it('refuses another scheme, port or host', () => {
    for (const origin of [
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://app.example.com:80',
      'http://localhost:3001',
      'http://localhost',
      'https://localhost:3000',
      'https://evil.example.com',
      'https://app.example.com.evil.io',
      'https://app.example.co',
      'https://xapp.example.com',
      'https://app.example.com.',
    ]) {
      expect(policy.check(origin), origin).toEqual({ ok: false, reason: 'not_allowed' });
    }
  });

  it('treats a default port the same whichever way the allowlist spells it', () => {
    const explicitPort = createOriginPolicy({ allow: 'https://app.example.com:443' });
    expect(explicitPort.check('https://app.example.com')).toMatchObject({ ok: true });
    const httpPort = createOriginPolicy({ allow: 'http://app.example.com' });
    expect(httpPort.check('http://app.example.com:80')).toMatchObject({ ok: true });
  });
});

describe('wildcard origins', () => {
  const policy = createOriginPolicy({ allow: 'https://*.example.com' });

  it('admits subdomains at any depth', () => {
    expect(policy.check('https://a.example.com')).toEqual({ ok: true, origin: 'https://a.example.com' });
    expect(policy.check('https://a.b.example.com')).toEqual({ ok: true, origin: 'https://a.b.example.com' });
    expect(policy.check('https://A.EXAMPLE.COM:443')).toEqual({ ok: true, origin: 'https://a.example.com' });
  });

  it.each([
    'https://example.com',
    'https://.example.com',
    'https://evilexample.com',
    'https://a.evilexample.com',
    'https://example.com.evil.io',
    'https://a.example.com.evil.io',
    'http://a.example.com',
    'https://a.example.com:8443',
    'https://a.example.co',
  ])('refuses %s', (origin) => {
    expect(policy.check(origin)).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it('refuses a host that spells the wildcard itself', () => {
    expect(policy.check('https://*.example.com')).toEqual({ ok: false, reason: 'malformed' });
    expect(policy.check('https://*.a.example.com')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('admits underscores, which some real internal hosts use', () => {
    expect(policy.check('https://my_host.example.com')).toMatchObject({ ok: true });
  });

  it('keeps an explicit port in the pattern', () => {
    const withPort = createOriginPolicy({ allow: 'https://*.example.com:8443' });
    expect(withPort.check('https://a.example.com:8443')).toMatchObject({ ok: true });
    expect(withPort.check('https://a.example.com')).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it.each([
    'https://*.127.0.0.1',
    'https://*.[::1]',
    'https://*./',
    'https://*.',
    'https://*example.com',
    'https://a.*.example.com',
  ])('refuses the invalid wildcard pattern %s', (pattern) => {
    expect(() => createOriginPolicy({ allow: pattern })).toThrow(WsGateConfigError);
  });
});

describe('malformed, missing and null', () => {
  const policy = createOriginPolicy({ allow: 'https://app.example.com' });

  it.each([
    ['a path', 'https://app.example.com/'],
    ['a longer path', 'https://app.example.com/x'],
    ['userinfo', 'https://user@app.example.com'],
    ['userinfo with password', 'https://user:pw@app.example.com'],
    ['a query', 'https://app.example.com?x=1'],
    ['a fragment', 'https://app.example.com#x'],
    ['garbage', 'not an origin'],
    ['a bare host', 'app.example.com'],
    ['ws://', 'ws://app.example.com'],
    ['wss://', 'wss://app.example.com'],
    ['file://', 'file:///etc/passwd'],
    ['file:// with host', 'file://app.example.com'],
    ['javascript:', 'javascript:alert(1)'],
    ['a backslash', 'https://app.example.com\\'],
    ['whitespace', 'https://app.example.com '],
    ['a bad port', 'https://app.example.com:99999'],
    ['an empty port', 'https://app.example.com:'],
    ['a signed port', 'https://app.example.com:+443'],
    ['an empty host', 'https://'],
    ['a percent-encoded host', 'https://app%2eexample.com'],
    ['a control character', 'https://app.example.com\u0001'],
    ['a NUL character', 'https://app.example.com\u0000'],
    ['a star in the host', 'https://*.app.example.com'],
    ['punctuation in the host', 'https://app!.example.com'],
    ['too long', `https://${'a'.repeat(2100)}.example.com`],
  ])('refuses an origin with %s as malformed', (_label, origin) => {
    expect(policy.check(origin)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a non-string header value as malformed', () => {
    expect(policy.check(42 as unknown as string)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('admits a missing Origin by default', () => {
    expect(policy.check(undefined)).toEqual({ ok: true, origin: undefined });
    expect(policy.check('')).toEqual({ ok: true, origin: undefined });
  });

  it('refuses a missing Origin with allowMissing: false', () => {
    const strict = createOriginPolicy({ allow: 'https://app.example.com', allowMissing: false });
    expect(strict.check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(strict.check('')).toEqual({ ok: false, reason: 'missing' });
  });

  it("refuses 'null' by default and admits it with allowNull", () => {
    expect(policy.check('null')).toEqual({ ok: false, reason: 'null' });
    const lenient = createOriginPolicy({ allow: 'https://app.example.com', allowNull: true });
    expect(lenient.check('null')).toEqual({ ok: true, origin: undefined });
  });
});

describe('allowAny and configuration', () => {
  it("throws on '*' without allowAny", () => {
    expect(() => createOriginPolicy({ allow: '*' })).toThrow(WsGateConfigError);
    expect(() => createOriginPolicy({ allow: ['https://app.example.com', '*'] })).toThrow(WsGateConfigError);
  });

  it("admits every well-formed origin with '*' and allowAny", () => {
    const any = createOriginPolicy({ allow: '*', allowAny: true });
    expect(any.check('https://evil.example')).toEqual({ ok: true, origin: 'https://evil.example' });
    expect(any.check('http://localhost:1234')).toEqual({ ok: true, origin: 'http://localhost:1234' });
    // Still not malformed values or 'null'.
    expect(any.check('https://evil.example/')).toEqual({ ok: false, reason: 'malformed' });
    expect(any.check('null')).toEqual({ ok: false, reason: 'null' });
  });

  it.each<[string, OriginPolicyOptions]>([
    ['an empty list', { allow: [] }],
    ['no allow', {} as OriginPolicyOptions],
    ['an invalid exact origin', { allow: 'https://app.example.com/' }],
    ['a bare host', { allow: 'app.example.com' }],
    ['a number', { allow: 42 as unknown as string }],
    ['null options', null as unknown as OriginPolicyOptions],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    expect(() => createOriginPolicy(options)).toThrow(WsGateConfigError);
  });
});

describe('RegExp and function patterns', () => {
  it('tests a RegExp against the normalised origin', () => {
    const policy = createOriginPolicy({ allow: /^https:\/\/pr-\d+\.preview\.example\.com$/ });
    expect(policy.check('https://PR-42.preview.example.com:443')).toEqual({
      ok: true,
      origin: 'https://pr-42.preview.example.com',
    });
    expect(policy.check('https://pr-x.preview.example.com')).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it('is not fooled by a global RegExp keeping lastIndex', () => {
    const policy = createOriginPolicy({ allow: /^https:\/\/app\.example\.com$/g });
    for (let index = 0; index < 3; index += 1)
      expect(policy.check('https://app.example.com')).toMatchObject({ ok: true });
  });

  it('calls a function with the normalised origin', () => {
    const seen: string[] = [];
    const policy = createOriginPolicy({
      allow: (origin) => {
        seen.push(origin);
        return origin.endsWith('.trusted.example');
      },
    });
    expect(policy.check('HTTPS://A.Trusted.Example')).toEqual({
      ok: true,
      origin: 'https://a.trusted.example',
    });
    expect(policy.check('https://untrusted.example')).toEqual({ ok: false, reason: 'not_allowed' });
    expect(seen).toEqual(['https://a.trusted.example', 'https://untrusted.example']);
  });

  it('only admits on a function returning exactly true', () => {
    const policy = createOriginPolicy({ allow: (() => 'yes') as unknown as (origin: string) => boolean });
    expect(policy.check('https://app.example.com')).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it('refuses instead of throwing when a function pattern throws', () => {
    const policy = createOriginPolicy({
      allow: [
        () => {
          throw new Error('boom');
        },
        'https://app.example.com',
      ],
    });
    expect(() => policy.check('https://other.example')).not.toThrow();
    expect(policy.check('https://other.example')).toEqual({ ok: false, reason: 'not_allowed' });
    expect(policy.check('https://app.example.com')).toMatchObject({ ok: true });
  });
});
