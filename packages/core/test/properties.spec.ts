import { domainToASCII } from 'node:url';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  createOriginPolicy,
  createTicketService,
  generateTicket,
  isWellFormedTicket,
  jsonSchemaValidator,
  MemoryTicketStore,
  normalizeIp,
} from '../src/index.js';
import { routedFrames } from './helpers.js';

const EXACT = ['https://app.example.com', 'http://localhost:3000', 'https://admin.example.org:8443'];
const WILDCARD_SUFFIX = '.tenant.example.net'; // https://*.tenant.example.net
const policy = createOriginPolicy({ allow: [...EXACT, `https:/${'/'}*${WILDCARD_SUFFIX}`] });

/**
 * An independent reading of what a string names as an origin, for the oracle: scheme and
 * host lower-cased (host through IDNA), default port dropped. `undefined` when the string is
 * not plainly `scheme://host[:port]`.
 */
function oracleOrigin(
  value: string,
): { scheme: string; host: string; port: string; origin: string } | undefined {
  const match = /^(https?):\/\/([A-Za-z0-9_.\-\u0080-\uffff]+)(?::(\d{1,5}))?$/i.exec(value);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const host = domainToASCII(match[2]!);
  if (host === '') return undefined;
  const portNumber = match[3] === undefined ? undefined : Number(match[3]);
  if (portNumber !== undefined && portNumber > 65_535) return undefined;
  const port =
    portNumber === undefined ||
    (scheme === 'https' && portNumber === 443) ||
    (scheme === 'http' && portNumber === 80)
      ? ''
      : String(portNumber);
  return { scheme, host, port, origin: `${scheme}://${host}${port === '' ? '' : `:${port}`}` };
}

function oracleAllows(value: string): boolean {
  const parsed = oracleOrigin(value);
  if (parsed === undefined) return false;
  if (EXACT.includes(parsed.origin)) return true;
  return (
    parsed.scheme === 'https' &&
    parsed.port === '' &&
    parsed.host.endsWith(WILDCARD_SUFFIX) &&
    parsed.host.length > WILDCARD_SUFFIX.length
  );
}

/** The policy either refuses, or admits an origin the oracle also places in the allowlist. */
function checkNeverAdmitsOutside(value: string): void {
  const result = policy.check(value);
  if (result.ok && result.origin !== undefined) {
    expect(oracleAllows(value), value).toBe(true);
    expect(result.origin).toBe(oracleOrigin(value)!.origin);
  }
}

const randomCase = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) =>
      [...text].map((char, index) => (flags[index] ? char.toUpperCase() : char.toLowerCase())).join(''),
    );

const allowedHosts = [
  'app.example.com',
  'localhost',
  'admin.example.org',
  'x.tenant.example.net',
  'tenant.example.net',
  'example.com',
];
const nearMissOrigin = fc
  .record({
    scheme: fc.constantFrom('https', 'http', 'HTTPS', 'HtTp', 'ws', 'wss', 'ftp', 'file', ''),
    separator: fc.constantFrom('://', '://', '://', ':/', ':///', '//', '://user@', '://user:pw@'),
    prefix: fc.constantFrom('', '', 'x', 'x.', 'evil-', 'evil.', '.', '-', '*.', 'app.'),
    host: fc.constantFrom(...allowedHosts),
    suffix: fc.constantFrom(
      '',
      '',
      '',
      '.',
      '.evil.io',
      'x',
      '.com',
      '%2e',
      '\u0000',
      '\t',
      ' ',
      '#',
      '?',
      '/',
      '\\',
      '.evil.io/',
    ),
    port: fc.constantFrom(
      '',
      '',
      '',
      ':443',
      ':80',
      ':3000',
      ':8443',
      ':3001',
      ':0',
      ':65535',
      ':65536',
      ':',
      ':0443',
      ':+1',
    ),
  })
  .chain(({ scheme, separator, prefix, host, suffix, port }) =>
    randomCase(`${prefix}${host}`).map((casedHost) => `${scheme}${separator}${casedHost}${suffix}${port}`),
  );

describe('Origin policy properties', () => {
  it('never throws and never admits an origin outside the allowlist, for arbitrary strings', () => {
    fc.assert(
      // A throw fails the property as surely as a wrong admission.
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        checkNeverAdmitsOutside,
      ),
      { numRuns: 2_000 },
    );
  });

  it('never admits a foreign origin derived from web URLs', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.boolean(),
        (url, originOnly) => {
          const value = originOnly ? new URL(url).origin : url;
          checkNeverAdmitsOutside(value);
          // Every generated URL with a path, query or fragment is not a serialised origin.
          if (!originOnly && /^[a-z]+:\/\/[^/?#]*[/?#]/i.test(url))
            expect(policy.check(url)).toMatchObject({ ok: false });
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('never admits near misses of allowed hosts (prefix, suffix, port, scheme, case)', () => {
    fc.assert(fc.property(nearMissOrigin, checkNeverAdmitsOutside), { numRuns: 2_000 });
  });

  it('admits every case and default-port variant of an allowed origin', () => {
    const variants = fc
      .record({
        base: fc.constantFrom(
          { scheme: 'https', host: 'app.example.com', ports: ['', ':443'] },
          { scheme: 'http', host: 'localhost', ports: [':3000'] },
          { scheme: 'https', host: 'admin.example.org', ports: [':8443'] },
          { scheme: 'https', host: 'a.b.tenant.example.net', ports: ['', ':443'] },
        ),
        portIndex: fc.nat(),
      })
      .chain(({ base, portIndex }) =>
        fc
          .tuple(randomCase(base.scheme), randomCase(base.host))
          .map(([scheme, host]) => `${scheme}://${host}${base.ports[portIndex % base.ports.length]!}`),
      );
    fc.assert(
      fc.property(variants, (value) => {
        const result = policy.check(value);
        expect(result, value).toMatchObject({ ok: true });
        expect(oracleAllows(value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('IP normalisation properties', () => {
  const idempotent = (value: string) => {
    const once = normalizeIp(value);
    expect(normalizeIp(once)).toBe(once);
  };

  it('is idempotent for IPv4, extended IPv4, IPv6 and arbitrary strings', () => {
    fc.assert(fc.property(fc.ipV4(), idempotent), { numRuns: 1_000 });
    fc.assert(fc.property(fc.ipV4Extended(), idempotent), { numRuns: 1_000 });
    fc.assert(fc.property(fc.ipV6(), idempotent), { numRuns: 1_000 });
    fc.assert(fc.property(fc.string(), idempotent), { numRuns: 1_000 });
    // Strings made of address characters, which the parser may half-accept.
    fc.assert(fc.property(fc.stringMatching(/^[0-9a-fA-FxX:.%]{1,24}$/), idempotent), { numRuns: 2_000 });
    fc.assert(
      fc.property(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,8}$/), (ip, zone) => idempotent(`${ip}%${zone}`)),
      { numRuns: 500 },
    );
  });

  it('keeps canonical IPv4 as it is, and maps IPv4-mapped IPv6 to it', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(normalizeIp(ip)).toBe(ip);
        expect(normalizeIp(`::ffff:${ip}`)).toBe(ip);
        expect(normalizeIp(`::FFFF:${ip}`)).toBe(ip);
      }),
      { numRuns: 1_000 },
    );
  });

  it('answers as ipaddr.js does for every spelling, with or without its fast path for canonical IPv4', () => {
    /** The normalisation through ipaddr.js alone (what normalizeIp did before its fast path). */
    const reference = (address: string): string | undefined => {
      if (address === '') return undefined;
      const withoutZone = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
      if (!ipaddr.isValid(withoutZone)) return undefined;
      try {
        return ipaddr.process(withoutZone).toString();
      } catch {
        return undefined;
      }
    };
    const same = (value: string): void => {
      expect(normalizeIp(value)).toBe(reference(value));
    };
    const mapped = (value: string): void => same(`::ffff:${value}`);
    for (const generator of [
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.stringMatching(/^[0-9.]{1,18}$/),
      fc.stringMatching(/^[0-9a-fA-FxX:.%]{1,24}$/),
    ]) {
      fc.assert(fc.property(generator, same), { numRuns: 1_000 });
      fc.assert(fc.property(generator, mapped), { numRuns: 1_000 });
    }
    for (const value of [
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4.',
      '1..3.4',
    ])
      same(value);
  });

  it('gives every spelling of an IPv6 address the same form', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const normalized = normalizeIp(ip);
        expect(normalized).toBeDefined();
        const parsed = ipaddr.parse(ip);
        if (parsed.kind() === 'ipv6' && !(parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
          expect(normalizeIp(parsed.toNormalizedString())).toBe(normalized);
          const fixedLength = (parsed as ipaddr.IPv6).parts
            .map((part) => part.toString(16).padStart(4, '0'))
            .join(':');
          expect(normalizeIp(fixedLength.toUpperCase())).toBe(normalized);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('ticket uniqueness', () => {
  it('generates 100 000 distinct well-formed tickets', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 100_000; index += 1) {
      const ticket = generateTicket();
      if (!isWellFormedTicket(ticket)) throw new TypeError(`malformed ticket ${ticket}`);
      seen.add(ticket);
    }
    expect(seen.size).toBe(100_000);
  });

  it('issues 20 000 distinct tickets through the service, each redeemable once', async () => {
    const store = new MemoryTicketStore({ maxEntries: 25_000, sweepIntervalMs: 0 });
    const tickets = createTicketService({ store, bindIp: false });
    const issued = new Set<string>();
    for (let index = 0; index < 20_000; index += 1)
      issued.add((await tickets.issue({ subject: `user-${index}`, ip: undefined })).ticket);
    expect(issued.size).toBe(20_000);
    expect(store.size).toBe(20_000);
    let redeemed = 0;
    for (const ticket of issued) if ((await tickets.redeem(ticket, { ip: undefined })).ok) redeemed += 1;
    expect(redeemed).toBe(20_000);
    await tickets.close();
  });
});

describe('message guard properties', () => {
  const guard = routedFrames({
    schemas: {
      join: jsonSchemaValidator(
        Type.Object({ type: Type.Literal('join'), room: Type.String({ maxLength: 32 }) }),
      ),
      say: jsonSchemaValidator(Type.Object({ type: Type.Literal('say'), text: Type.String() })),
    },
    rateLimit: false,
    maxBytes: 4_096,
    maxDepth: 8,
  });
  const KNOWN_MESSAGES = new Set([
    'message is not valid JSON',
    'message contains a forbidden key (__proto__ or constructor.prototype)',
    'message nests too deeply',
    'message must be a JSON object with a string "type"',
    'unknown message type',
    'invalid "join" message',
    'invalid "say" message',
  ]);

  const checkWellBehaved = (data: string | Buffer, isBinary = false) => {
    // A new connection per frame: a connection ignores frames once it has decided to close.
    const result = guard.forConnection().check(data, isBinary);
    if (result.ok) {
      expect(['join', 'say']).toContain((result.message as { type: string }).type);
    } else if (result.action === 'reply') {
      expect(['BAD_JSON', 'VALIDATION_FAILED']).toContain(result.reply.code);
      expect(KNOWN_MESSAGES.has(result.reply['message'] as string)).toBe(true);
    } else {
      expect([1003, 1009]).toContain(result.closeCode);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  };

  it('never throws for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 5_000 })), (value) =>
        checkWellBehaved(value),
      ),
      {
        numRuns: 1_500,
      },
    );
  });

  it('never throws for arbitrary buffers, text or binary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5_000 }), fc.boolean(), (bytes, isBinary) =>
        checkWellBehaved(Buffer.from(bytes), isBinary),
      ),
      { numRuns: 1_000 },
    );
  });

  it('never throws for arbitrary JSON, message-shaped or not, with hostile keys', () => {
    const hostileKey = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'type',
      'room',
      'text',
      'toString',
      'polluted',
    );
    const messageLike = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('join', 'say', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
          fc.string(),
          fc.jsonValue(),
        ),
        room: fc.jsonValue(),
        text: fc.jsonValue(),
        extra: fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 3 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          messageLike.map((value) => JSON.stringify(value)),
        ),
        (text) => checkWellBehaved(text),
      ),
      { numRuns: 1_500 },
    );
    // Raw `__proto__` keys (JSON.stringify of a record never writes them) are refused, not merged.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const result = guard
          .forConnection()
          .check(`{"type":"join","room":"a","__proto__":{"polluted":${JSON.stringify(value)}}}`, false);
        expect(result).toMatchObject({ ok: false, action: 'reply', reply: { code: 'BAD_JSON' } });
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
