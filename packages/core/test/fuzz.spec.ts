// Bounded fuzzing of the three parsers that face untrusted input: the handshake authorizer,
// the message guard and the Origin policy. `FUZZ_RUNS` scales every property (default 300,
// < 15 s); the long run is the `fuzz` target of tools/soak (`FUZZ_RUNS=20000`).
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createHandshakeAuthorizer,
  createOriginPolicy,
  createTicketService,
  createTransportPolicy,
  HANDSHAKE_REFUSALS,
  MemoryTicketStore,
  type HandshakeAuthorizer,
  type HandshakeHeaders,
  type HandshakeRequest,
  type RawFrame,
  type Validator,
} from '../src/index.js';
import { UPGRADE_HEADERS, routedFrames } from './helpers.js';

function fuzzRuns(): number {
  const raw = process.env['FUZZ_RUNS'];
  if (raw === undefined || raw === '') return 300;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1)
    throw new TypeError(`FUZZ_RUNS must be a positive integer, got ${raw}`);
  return runs;
}

/** Runs per property: `FUZZ_RUNS` from the environment, 300 by default. */
export const FUZZ_RUNS = fuzzRuns();
/** Generous per-test budget that grows with the run count (the machine may be loaded). */
const TIMEOUT_MS = Math.max(60_000, FUZZ_RUNS * 25);
/** Seed from the environment to replay a failure (fast-check prints it). */
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const settings = (scale = 1) => ({
  numRuns: Math.max(1, Math.round(FUZZ_RUNS * scale)),
  ...(SEED === undefined ? {} : { seed: SEED }),
});

const APP = 'https://app.example.com';

// ---------------------------------------------------------------------------------------------
// Handshake authorizer
// ---------------------------------------------------------------------------------------------

const DOCUMENTED_CODES = new Set(Object.keys(HANDSHAKE_REFUSALS));
const TICKET_IP = '127.0.0.1';

const store = new MemoryTicketStore({ sweepIntervalMs: 0, maxEntries: Math.max(100_000, FUZZ_RUNS * 4) });
const tickets = createTicketService({ store, ttlMs: 3_600_000 });
const origins = createOriginPolicy({ allow: [APP, 'http://localhost:3000', 'https://*.tenant.example.net'] });
const authorizers: readonly HandshakeAuthorizer[] = [
  createHandshakeAuthorizer({ tickets, origins, transport: createTransportPolicy(), bruteForce: false }),
  // Trusts loopback proxies, requires TLS, and trips its brute-force limit after 3 refusals.
  createHandshakeAuthorizer({
    tickets,
    origins,
    transport: createTransportPolicy({ trustProxy: 'loopback', requireSecure: true }),
    bruteForce: { maxRefusals: 3, windowMs: 60_000, maxAddresses: 64 },
  }),
  createHandshakeAuthorizer({
    tickets,
    origins,
    transport: createTransportPolicy({ trustProxy: true }),
    ticketSources: ['subprotocol'],
    bruteForce: { maxRefusals: 50, windowMs: 1_000 },
  }),
];

/** Where the run's real ticket goes. Only the first three carry it once, intact, in an accepted place. */
const PLACEMENTS = [
  'query',
  'subprotocol',
  'query-encoded',
  'none',
  'subprotocol-without-wsgate',
  'query-and-subprotocol',
  'query-twice',
  'truncated',
  'case-flipped',
  'prefixed',
] as const;
type Placement = (typeof PLACEMENTS)[number];
const CARRIES_ONE_TICKET: ReadonlySet<Placement> = new Set(['query', 'subprotocol', 'query-encoded']);
/** Placements that present the ticket exactly once where each authorizer looks (by its `ticketSources`). */
const ACCEPTABLE_PLACEMENTS: readonly ReadonlySet<Placement>[] = [
  CARRIES_ONE_TICKET,
  CARRIES_ONE_TICKET,
  new Set(['subprotocol', 'query-and-subprotocol']), // subprotocol only: a query ticket is not looked at
];

const headerName = fc.oneof(
  fc.constantFrom(
    'origin',
    'sec-websocket-protocol',
    'x-forwarded-for',
    'x-forwarded-proto',
    'host',
    'upgrade',
    'sec-websocket-key',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 16 }),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
  fc.constant(undefined),
);
const originValue = fc.oneof(
  fc.constantFrom(
    APP,
    'https://APP.example.com:443',
    'http://localhost:3000',
    'https://a.tenant.example.net',
    'https://evil.example.net',
    'https://app.example.com.evil.io',
    'https://evilapp.example.com',
    'https://\u0430pp.example.com',
    'null',
    '',
    'https://app.example.com/',
  ),
  fc.webUrl().map((url) => new URL(url).origin),
  fc.string({ maxLength: 60 }),
);
const subprotocolValue = fc.oneof(
  fc.constantFrom('wsgate', 'chat', 'wsgate, chat', 'wsgate.ticket.', 'wsgate.ticket.x', ' , ,wsgate,'),
  fc.string({ maxLength: 60 }),
);
const addressArb = fc.oneof(
  { arbitrary: fc.constantFrom(TICKET_IP, `::ffff:${TICKET_IP}`), weight: 4 },
  {
    arbitrary: fc.option(
      fc.oneof(
        fc.constantFrom('::1', '203.0.113.9', '10.0.0.1'),
        fc.ipV4(),
        fc.ipV4Extended(),
        fc.ipV6(),
        fc.string({ maxLength: 40 }),
      ),
      { nil: undefined },
    ),
    weight: 3,
  },
);
const urlArb = fc.oneof(
  fc.constant('/ws'),
  fc.webPath(),
  fc.string({ maxLength: 120 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string({ maxLength: 60 }).map((query) => `/ws?${query}`),
  fc.constantFrom('/ws?ticket=', '/ws?ticket', '/ws?%74icket=x', '/ws?ticket=%', '/ws?ticket=%E0%A4%A'),
);

const handshakeCase = fc.record({
  authorizer: fc.nat({ max: authorizers.length - 1 }),
  method: fc.oneof(
    { arbitrary: fc.constant('GET'), weight: 4 },
    { arbitrary: fc.string({ maxLength: 10 }), weight: 1 },
  ),
  url: urlArb,
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
  // Mostly the headers of a valid WebSocket handshake, sometimes none (refused as BAD_HANDSHAKE).
  upgradeHeaders: fc.oneof(
    { arbitrary: fc.constant(true), weight: 9 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
  // Weighted towards requests that could pass, so that the success path is reached often.
  origin: fc.oneof(
    { arbitrary: fc.constantFrom(undefined, APP, 'https://APP.example.com:443'), weight: 4 },
    { arbitrary: originValue, weight: 3 },
  ),
  originAsArray: fc.boolean(),
  subprotocols: fc.option(subprotocolValue, { nil: undefined }),
  remoteAddress: addressArb,
  encrypted: fc.boolean(),
  placement: fc.oneof(
    {
      arbitrary: fc.constantFrom(...PLACEMENTS.filter((placement) => CARRIES_ONE_TICKET.has(placement))),
      weight: 3,
    },
    { arbitrary: fc.constantFrom(...PLACEMENTS), weight: 2 },
  ),
  issuedOrigin: fc.constantFrom(undefined, APP),
  flipAt: fc.nat(),
});

function withQuery(url: string, pair: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${pair}`;
}

function flipCase(ticket: string, at: number): string {
  const letters = [...ticket].flatMap((char, index) => (/[a-z]/i.test(char) ? [index] : []));
  const index = letters[at % letters.length]!;
  const char = ticket[index]!;
  const flipped = char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
  return `${ticket.slice(0, index)}${flipped}${ticket.slice(index + 1)}`;
}

/** Builds the request of one case around the run's real ticket. */
type HandshakeCase = typeof handshakeCase extends fc.Arbitrary<infer T> ? T : never;

function buildRequest(input: HandshakeCase, ticket: string): HandshakeRequest {
  const headers: Record<string, string | readonly string[] | undefined> = {
    ...(input.upgradeHeaders ? UPGRADE_HEADERS : {}),
    ...input.headers,
  };
  if (input.origin !== undefined)
    headers['origin'] = input.originAsArray ? [input.origin, APP] : input.origin;
  if (input.subprotocols !== undefined) headers['sec-websocket-protocol'] = input.subprotocols;
  let url = input.url;
  const offer = (entries: string) => {
    headers['sec-websocket-protocol'] = entries;
  };
  switch (input.placement) {
    case 'query':
      url = withQuery(url, `ticket=${ticket}`);
      break;
    case 'query-encoded':
      url = withQuery(url, `%74icket=${encodeURIComponent(ticket)}`);
      break;
    case 'subprotocol':
      offer(`wsgate, wsgate.ticket.${ticket}`);
      break;
    case 'subprotocol-without-wsgate':
      offer(`chat, wsgate.ticket.${ticket}`);
      break;
    case 'query-and-subprotocol':
      url = withQuery(url, `ticket=${ticket}`);
      offer(`wsgate, wsgate.ticket.${ticket}`);
      break;
    case 'query-twice':
      url = withQuery(withQuery(url, `ticket=${ticket}`), `ticket=${ticket}`);
      break;
    case 'truncated':
      url = withQuery(url, `ticket=${ticket.slice(0, -1)}`);
      break;
    case 'case-flipped':
      url = withQuery(url, `ticket=${flipCase(ticket, input.flipAt)}`);
      break;
    case 'prefixed':
      url = withQuery(url, `ticket=x${ticket}`);
      break;
    case 'none':
      break;
  }
  return {
    method: input.method,
    url,
    headers: headers as HandshakeHeaders,
    remoteAddress: input.remoteAddress,
    encrypted: input.encrypted,
  };
}

let issued = 0;
let accepted = 0;

describe('fuzz: handshake authorizer', () => {
  it(
    'never throws, answers only documented codes, and accepts only a real, unused ticket — once',
    async () => {
      await fc.assert(
        fc.asyncProperty(handshakeCase, async (input) => {
          issued += 1;
          const subject = `real-${issued}`;
          const { ticket } = await tickets.issue({ subject, ip: TICKET_IP, origin: input.issuedOrigin });
          const request = buildRequest(input, ticket);
          const authorizer = authorizers[input.authorizer]!;

          const first = await authorizer.authorize(request);
          const replay = await authorizer.authorize(request);
          for (const result of [first, replay]) {
            if (result.ok) continue;
            expect(DOCUMENTED_CODES.has(result.code), result.code).toBe(true);
            expect(result.status).toBe(HANDSHAKE_REFUSALS[result.code].status);
            expect(result.closeCode).toBe(HANDSHAKE_REFUSALS[result.code].closeCode);
          }
          if (first.ok) {
            accepted += 1;
            expect(ACCEPTABLE_PLACEMENTS[input.authorizer]!.has(input.placement), input.placement).toBe(true);
            expect(first.principal.subject).toBe(subject);
            expect(first.clientIp).toBe(TICKET_IP);
            if (input.issuedOrigin !== undefined) expect(first.origin).toBe(input.issuedOrigin);
            expect(first.protocol).toBe(input.placement.includes('subprotocol') ? 'wsgate' : undefined);
          }
          // Single use: the same request never opens twice.
          expect(replay.ok).toBe(false);
          // The inspection alone never throws either.
          expect(() => authorizer.inspect(request)).not.toThrow();
        }),
        settings(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'refuses every request that carries no issued ticket, whatever else it carries',
    async () => {
      await fc.assert(
        fc.asyncProperty(handshakeCase, fc.string({ maxLength: 60 }), async (input, junk) => {
          const request = buildRequest({ ...input, placement: 'none' }, junk);
          const withJunk = { ...request, url: withQuery(request.url, `ticket=${encodeURIComponent(junk)}`) };
          for (const candidate of [request, withJunk]) {
            const result = await authorizers[input.authorizer]!.authorize(candidate);
            expect(result.ok).toBe(false);
            if (!result.ok) expect(DOCUMENTED_CODES.has(result.code)).toBe(true);
          }
        }),
        settings(),
      );
    },
    TIMEOUT_MS,
  );

  it('reached the success path in a fair share of the cases above (the generator is not vacuous)', () => {
    // Runs after the property (same file, in order); about one case in twenty-five is accepted
    // (valid handshake syntax, a GET, an allowed Origin and one ticket in the right place). The
    // cases are random: half that share fell short in about one run in forty (3 of 300 once),
    // a sixth of it (2 of 300) in fewer than one in ten thousand, while a generator that never
    // reaches the success path still fails every time.
    expect(accepted).toBeGreaterThanOrEqual(Math.max(1, Math.floor(issued / 150)));
    if (process.env['FUZZ_STATS'] !== undefined)
      console.info(`handshake fuzz: ${accepted} of ${issued} accepted`);
  });
});

// ---------------------------------------------------------------------------------------------
// Message guard
// ---------------------------------------------------------------------------------------------

/** Accepts any message: so that every parsed value reaches `ok`, where the invariants matter. */
const passThrough: Validator<unknown> = { validate: (value) => ({ ok: true, value }) };
const MAX_BYTES = 16_384;
const guards = {
  standard: routedFrames({ schemas: { any: passThrough }, rateLimit: false, maxBytes: MAX_BYTES }),
  // A depth limit far above any input: the parser itself meets 8 000-deep nesting.
  unlimitedDepth: routedFrames({
    schemas: { any: passThrough },
    rateLimit: false,
    maxBytes: MAX_BYTES,
    maxDepth: 1_000_000,
  }),
};

/** Iteratively (deep inputs!) checks that nothing in a parsed value carries a poisoned prototype. */
function assertClean(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      if (Object.getPrototypeOf(current) !== Array.prototype)
        throw new TypeError('array with a foreign prototype');
      for (const item of current) stack.push(item);
      continue;
    }
    if (Object.getPrototypeOf(current) !== Object.prototype)
      throw new TypeError('object whose prototype is not Object.prototype');
    if (Object.hasOwn(current, '__proto__')) throw new TypeError('object with an own __proto__ key');
    const ctor = (current as Record<string, unknown>)['constructor'];
    if (
      Object.hasOwn(current, 'constructor') &&
      ctor !== null &&
      typeof ctor === 'object' &&
      Object.hasOwn(ctor, 'prototype')
    ) {
      throw new TypeError('constructor.prototype passed through');
    }
    for (const key of Object.keys(current)) stack.push((current as Record<string, unknown>)[key]);
  }
}

function checkFrame(data: RawFrame, isBinary = false): void {
  // A new connection per frame: a connection ignores frames once it has decided to close.
  for (const guard of [guards.standard, guards.unlimitedDepth]) {
    const result = guard.forConnection().check(data, isBinary);
    if (result.ok) {
      expect(typeof (result.message as { type: unknown }).type).toBe('string');
      assertClean(result.message);
    } else if (result.action === 'reply') {
      expect(['BAD_JSON', 'VALIDATION_FAILED']).toContain(result.reply.code);
    } else {
      expect([1003, 1009]).toContain(result.closeCode);
    }
  }
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}

const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    '\\u005f\\u005fproto\\u005f\\u005f',
    '__pro\\u0074o__',
    '\\u005F_proto__',
    'constructor',
    'prototype',
    'type',
    'polluted',
    'toString',
    'hasOwnProperty',
  ),
  fc.string({ maxLength: 8 }).map((key) => JSON.stringify(key).slice(1, -1)),
);

/** JSON-ish text, written by hand so that raw and escaped `__proto__` keys and duplicate keys survive. */
const { node: jsonText } = fc.letrec<{ node: string; leaf: string; array: string; object: string }>(
  (tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('array'), tie('object')),
    leaf: fc.oneof(
      fc.constantFrom('null', 'true', 'false', '0', '-0', '1e309', '"x"', '""', '"\\ud800"', '{}', '[]'),
      fc.double().map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 12 }).map((value) => JSON.stringify(value)),
    ),
    array: fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    object: fc
      .array(fc.tuple(hostileKey, tie('node')), { maxLength: 4 })
      .map((pairs) => `{${pairs.map(([key, value]) => `"${key}":${value}`).join(',')}}`),
  }),
);

const messageText = fc.oneof(
  jsonText,
  fc
    .tuple(
      fc.constantFrom('any', '__proto__', 'constructor', 'toString', 'other'),
      fc.array(fc.tuple(hostileKey, jsonText), { maxLength: 4 }),
    )
    .map(
      ([type, pairs]) => `{"type":"${type}"${pairs.map(([key, value]) => `,"${key}":${value}`).join('')}}`,
    ),
  // Mutations: cut, spliced or wrapped message text.
  fc.tuple(jsonText, fc.nat(), fc.string({ maxLength: 4 })).map(([text, at, insert]) => {
    const index = at % (text.length + 1);
    return `{"type":"any","v":${text.slice(0, index)}${insert}${text.slice(index)}}`;
  }),
);

/** Deep nesting, balanced or not, of arrays, objects and brackets hidden in strings, up to 16 KB. */
const deepText = fc.oneof(
  fc.integer({ min: 1, max: MAX_BYTES / 2 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: MAX_BYTES }).map((depth) => '['.repeat(depth)),
  fc
    .integer({ min: 1, max: Math.floor((MAX_BYTES - 20) / 14) })
    .map((depth) => `{"type":"any","v":${'{"__proto__":'.repeat(depth)}1${'}'.repeat(depth)}}`),
  fc
    .integer({ min: 1, max: Math.floor((MAX_BYTES - 16) / 8) })
    .map((depth) => `{"type":"any","v":${'{"a":['.repeat(depth)}${']}'.repeat(depth)}}`),
  fc
    .integer({ min: 1, max: MAX_BYTES - 40 })
    .map((length) => `{"type":"any","s":"${'[{'.repeat(length).slice(0, length)}"}`),
  fc
    .integer({ min: 1, max: (MAX_BYTES - 40) / 3 })
    .map((length) => `{"type":"any","s":"${'\\"['.repeat(length).slice(0, length * 3 - 1)}"}`),
  fc
    .array(fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', '"a":', '1'), { maxLength: 4_000 })
    .map((parts) => parts.join('')),
);

describe('fuzz: message guard', () => {
  it(
    'never throws and never yields a poisoned object, for JSON-ish text with hostile keys',
    () => {
      fc.assert(
        fc.property(messageText, (text) => checkFrame(text)),
        settings(2),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'never throws for deep nesting up to 16 KB, balanced or not, and counts only real nesting',
    () => {
      fc.assert(
        fc.property(deepText, (text) => {
          checkFrame(text);
          checkFrame(Buffer.from(text));
        }),
        settings(0.5),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'never throws for arbitrary strings and frames in every shape ws delivers',
    () => {
      const frame = fc.oneof(
        fc.string({ maxLength: 2_000 }),
        fc.string({ unit: 'binary', maxLength: 2_000 }),
        fc.uint8Array({ maxLength: MAX_BYTES + 64 }).map((bytes) => Buffer.from(bytes)),
        fc.uint8Array({ maxLength: 4_096 }).map((bytes) => bytes.slice().buffer),
        fc
          .array(fc.uint8Array({ maxLength: 2_048 }), { maxLength: 4 })
          .map((chunks) => chunks.map((chunk) => Buffer.from(chunk))),
        messageText.map((text) => [
          Buffer.from(text.slice(0, text.length >> 1)),
          Buffer.from(text.slice(text.length >> 1)),
        ]),
      );
      fc.assert(
        fc.property(frame, fc.boolean(), (data, isBinary) => checkFrame(data as RawFrame, isBinary)),
        settings(),
      );
    },
    TIMEOUT_MS,
  );

  it('handles 16 KB of nesting, at the size limit, without throwing', () => {
    const arrays = `${'['.repeat(MAX_BYTES / 2)}${']'.repeat(MAX_BYTES / 2)}`;
    const objects = `${'{"a":'.repeat(2_730)}1${'}'.repeat(2_730)}`.padEnd(MAX_BYTES, ' ');
    expect(Buffer.byteLength(arrays)).toBe(MAX_BYTES);
    expect(Buffer.byteLength(objects)).toBe(MAX_BYTES);
    for (const text of [arrays, objects, '['.repeat(MAX_BYTES)]) {
      expect(guards.standard.forConnection().check(text, false)).toMatchObject({
        ok: false,
        action: 'reply',
        reply: { code: 'BAD_JSON' },
      });
      // With no depth limit the parser sees all of it; it completes with a refusal (not an object, or bad JSON).
      expect(guards.unlimitedDepth.forConnection().check(text, false)).toMatchObject({
        ok: false,
        action: 'reply',
      });
    }
    expect(guards.standard.forConnection().check(`${arrays} `, false)).toMatchObject({
      ok: false,
      action: 'close',
      closeCode: 1009,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Origin policy
// ---------------------------------------------------------------------------------------------

const ALLOWED_HOST = 'app.example.com';
const originPolicy = createOriginPolicy({ allow: [APP] });

/**
 * An independent reading of the host a string names, for the oracle: `scheme://host[:port]`
 * only, host through Node's IDNA (`domainToASCII`), default port dropped. `undefined` when
 * the string is not plainly an origin.
 */
function oracle(value: string): { scheme: string; host: string; port: string } | undefined {
  // eslint-disable-next-line no-control-regex
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\\%:[\]\s\x00-\x1f\x7f]+)(?::(\d{1,5}))?$/i.exec(value);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const host = domainToASCII(match[2]!);
  if (host === '') return undefined;
  const number = match[3] === undefined ? undefined : Number(match[3]);
  if (number !== undefined && number > 65_535) return undefined;
  const port =
    number === undefined || (scheme === 'https' && number === 443) || (scheme === 'http' && number === 80)
      ? ''
      : String(number);
  return { scheme, host, port };
}

function namesTheAllowedOrigin(value: string): boolean {
  const parsed = oracle(value);
  return (
    parsed !== undefined && parsed.scheme === 'https' && parsed.host === ALLOWED_HOST && parsed.port === ''
  );
}

const isAscii = (value: string) => /^[\x20-\x7e]*$/.test(value);

/** Spellings of the first label: same letters, homoglyphs, IDNA-mapped forms, near misses. */
const labels = [
  'app',
  'APP',
  'aPp',
  '\u0430pp', // Cyrillic а
  'a\u0440p', // Cyrillic р
  '\u0251pp', // Latin alpha
  '\u1D00pp', // small capital A
  'ap\u0440',
  '\uff41\uff50\uff50', // fullwidth: IDNA maps it to "app"
  'ap\u00adp', // soft hyphen: IDNA drops it
  'ap\u200dp', // zero-width joiner
  'ap\u200bp', // zero-width space
  'app\u0301', // combining acute
  '\u{1d41a}pp', // mathematical bold a: IDNA maps it to "a"
  'xn--pp-6kc', // punycode of Cyrillic "аpp"
  'xn--app',
  'xn--pp-8kc',
  'evilapp',
  'app-evil',
  'apps',
  'ap',
  'app1',
  '',
];
const domains = [
  'example.com',
  'EXAMPLE.COM',
  'ex\u0430mple.com',
  'examp1e.com',
  'example.co',
  'example.com.',
  'example.com.evil.io',
  'example.comm',
  'example.com\u3002',
  'xn--exmple-4nf.com',
  'example\u3002com',
  'example\uff0ecom',
  'example\u2024com',
  'exa\u00admple.com',
];

const nearMiss = fc
  .record({
    scheme: fc.constantFrom('https', 'HTTPS', 'Https', 'http', 'wss', 'ws', 'https+x', ''),
    separator: fc.constantFrom('://', '://', '://', ':/', ':///', '://user@', '://app.example.com@'),
    prefix: fc.constantFrom('', '', '', 'evil', 'evil.', 'evil-', 'www.', 'app.', 'xn--', '.'),
    label: fc.constantFrom(...labels),
    dot: fc.constantFrom('.', '.', '.', '\u3002', '\uff0e', '\u2024', '..', '-', ''),
    domain: fc.constantFrom(...domains),
    port: fc.constantFrom('', '', '', ':443', ':0443', ':80', ':8443', ':444', ':', ':65536', ':-1'),
    suffix: fc.constantFrom('', '', '', '/', '.', '#', '?x', '%2e', '\u0000', '\ufeff', '\u200b', ' '),
  })
  .map(
    ({ scheme, separator, prefix, label, dot, domain, port, suffix }) =>
      `${scheme}${separator}${prefix}${label}${dot}${domain}${port}${suffix}`,
  );

describe('fuzz: Origin policy near misses', () => {
  function expectOnlyExactMatches(value: string): void {
    const result = originPolicy.check(value);
    if (value === '') {
      // An empty header is a missing one: admitted without an origin (allowMissing, the default).
      expect(result).toEqual({ ok: true, origin: undefined });
      return;
    }
    if (result.ok) {
      // Admitted only as the allowed origin itself, and only when it names that origin.
      expect(result.origin, value).toBe(APP);
      expect(namesTheAllowedOrigin(value), value).toBe(true);
    }
    // For plain ASCII the policy is exactly the oracle: nothing allowed is refused either.
    if (isAscii(value)) expect(result.ok, value).toBe(namesTheAllowedOrigin(value));
  }

  it(
    'admits exactly the allowed origin, for suffix/prefix/port/scheme/case/unicode/punycode variants',
    () => {
      fc.assert(fc.property(nearMiss, expectOnlyExactMatches), settings(5));
    },
    TIMEOUT_MS,
  );

  it(
    'admits no foreign origin among arbitrary and URL-derived strings',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 60 }),
            fc.string({ unit: 'grapheme', maxLength: 40 }),
            fc.webUrl().map((url) => new URL(url).origin),
            fc.domain().map((domain) => `https://${domain}`),
          ),
          expectOnlyExactMatches,
        ),
        settings(2),
      );
    },
    TIMEOUT_MS,
  );

  it.each([
    ['https://app.example.com', true],
    ['https://APP.example.com:443', true],
    ['HTTPS://App.Example.Com', true],
    ['https://app.example.com:0443', true],
    // IDNA-equivalent spellings of the same host: they normalise to it (a browser never sends them).
    ['https://\uff41\uff50\uff50.example.com', true],
    ['https://app\u3002example\u3002com', true],
    ['https://ap\u00adp.example.com', true],
    ['https://app.example.com.evil.io', false],
    ['https://evilapp.example.com', false],
    ['https://app.example.com.', false],
    ['https://app.example.com:444', false],
    ['http://app.example.com', false],
    ['http://app.example.com:443', false],
    ['wss://app.example.com', false],
    ['https://\u0430pp.example.com', false], // Cyrillic а
    ['https://xn--pp-6kc.example.com', false], // its punycode
    ['https://app.ex\u0430mple.com', false],
    ['https://ap\u200dp.example.com', false],
    ['https://app.example.com/', false],
    ['https://user@app.example.com', false],
    ['https://app.example.com\ufeff', false],
    ['https://app.example.com%2f.evil.io', false],
    ['https://app\u2024example.com', false],
  ])('%s → admitted: %s', (value, admitted) => {
    expect(originPolicy.check(value).ok).toBe(admitted);
    if (admitted) expect(originPolicy.check(value)).toEqual({ ok: true, origin: APP });
  });
});
