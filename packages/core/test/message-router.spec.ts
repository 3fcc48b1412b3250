import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  createFrameChecker,
  jsonSchemaValidator,
  resolveFrameLimits,
  parseUntrustedJson,
  WsGateConfigError,
  type MessageSchema,
  type Validator,
} from '../src/index.js';
import {
  errorFrame,
  fakeClock,
  routedFrames,
  type FrameOutcome,
  type RoutedFramesOptions,
} from './helpers.js';

const Join = Type.Object({
  type: Type.Literal('join'),
  room: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }),
  meta: Type.Optional(Type.Object({ color: Type.String() })),
});
const Say = Type.Object({ type: Type.Literal('say'), text: Type.String({ maxLength: 200 }) });
const schemas = { join: jsonSchemaValidator(Join), say: jsonSchemaValidator(Say) };

function guardFor(options: Partial<RoutedFramesOptions> = {}) {
  const time = fakeClock();
  const guard = routedFrames({ schemas, clock: time.clock, ...options });
  return { guard, connection: guard.forConnection(), time };
}

function replyOf(check: FrameOutcome) {
  if (check.ok || check.action !== 'reply')
    throw new TypeError(`expected a reply, got ${JSON.stringify(check)}`);
  return check.reply;
}

const JOIN = '{"type":"join","room":"lobby"}';

describe('accepted messages', () => {
  it('returns the validated message', () => {
    const { connection } = guardFor();
    expect(connection.check(JOIN, false)).toEqual({ ok: true, message: { type: 'join', room: 'lobby' } });
    expect(connection.check('{"type":"say","text":"hi"}', false)).toEqual({
      ok: true,
      message: { type: 'say', text: 'hi' },
    });
  });

  it('accepts a Buffer, a Buffer[] and an ArrayBuffer', () => {
    const { connection } = guardFor();
    const expected = { ok: true, message: { type: 'join', room: 'lobby' } };
    expect(connection.check(Buffer.from(JOIN), false)).toEqual(expected);
    expect(connection.check([Buffer.from(JOIN.slice(0, 10)), Buffer.from(JOIN.slice(10))], false)).toEqual(
      expected,
    );
    const bytes = new TextEncoder().encode(JOIN);
    const arrayBuffer = bytes.buffer.slice(
      bytes.byteOffset,
      bytes.byteOffset + bytes.byteLength,
    ) as ArrayBuffer;
    expect(connection.check(arrayBuffer, false)).toEqual(expected);
  });

  it('exposes maxBytes', () => {
    expect(guardFor().guard.maxBytes).toBe(16_384);
    expect(guardFor({ maxBytes: 100 }).guard.maxBytes).toBe(100);
  });
});

describe('frames closed by the guard', () => {
  it('closes on a binary frame with 1003', () => {
    const { connection } = guardFor();
    expect(connection.check(Buffer.from(JOIN), true)).toEqual({
      ok: false,
      action: 'close',
      closeCode: CloseCode.UnsupportedData,
      reason: 'binary frames are not accepted',
    });
    expect(CloseCode.UnsupportedData).toBe(1003);
  });

  it('closes on a frame larger than maxBytes with 1009, and lets exactly maxBytes through', () => {
    // Frame by frame at the frame checker: the router itself ignores frames once it closes.
    const connection = createFrameChecker(resolveFrameLimits({ maxBytes: 64 }));
    const exact = `{"type":"say","text":"${'x'.repeat(64 - 24)}"}`;
    expect(Buffer.byteLength(exact)).toBe(64);
    expect(connection.check(exact, false)).toMatchObject({ ok: true });
    const over = `{"type":"say","text":"${'x'.repeat(64 - 23)}"}`;
    expect(connection.check(over, false)).toEqual({
      ok: false,
      action: 'close',
      closeCode: 1009,
      reason: 'message too big',
    });
    expect(connection.check(Buffer.from(over), false)).toMatchObject({ action: 'close', closeCode: 1009 });
    expect(
      connection.check([Buffer.from(over.slice(0, 30)), Buffer.from(over.slice(30))], false),
    ).toMatchObject({ closeCode: 1009 });
  });

  it('counts bytes, not characters', () => {
    const { connection } = guardFor({ maxBytes: 64 });
    // 40 two-byte characters: 40 characters of text but 80 bytes.
    const text = `{"type":"say","text":"${'é'.repeat(40)}"}`;
    expect(text.length).toBeLessThanOrEqual(64);
    expect(connection.check(text, false)).toMatchObject({ action: 'close', closeCode: 1009 });
  });

  it('closes with 4429 at frame 41 of a burst, then refills at perSecond', () => {
    const { connection: routed } = guardFor();
    for (let index = 1; index <= 40; index += 1)
      expect(routed.check(JOIN, false)).toMatchObject({ ok: true });
    expect(routed.check(JOIN, false)).toMatchObject({ action: 'close', closeCode: 4429 });
    // Once closing, the router ignores what still arrives.
    expect(routed.check('{"type":"nope"}', false)).toEqual({ ok: true, message: undefined });
    // The bucket itself, frame by frame:
    const time = fakeClock();
    const connection = createFrameChecker(resolveFrameLimits({ clock: time.clock }));
    for (let index = 1; index <= 40; index += 1)
      expect(connection.check(JOIN, false), `frame ${index}`).toMatchObject({ ok: true });
    expect(connection.check(JOIN, false)).toEqual({
      ok: false,
      action: 'close',
      closeCode: 4429,
      reason: 'rate limit exceeded',
    });
    time.advance(49);
    expect(connection.check(JOIN, false)).toMatchObject({ closeCode: 4429 });
    time.advance(1); // 50 ms at 20/s: one token
    expect(connection.check(JOIN, false)).toMatchObject({ ok: true });
    expect(connection.check(JOIN, false)).toMatchObject({ closeCode: 4429 });
    time.advance(1_000); // 20 tokens
    for (let index = 0; index < 20; index += 1)
      expect(connection.check(JOIN, false)).toMatchObject({ ok: true });
    expect(connection.check(JOIN, false)).toMatchObject({ closeCode: 4429 });
    time.advance(60_000); // never more than the burst
    for (let index = 0; index < 40; index += 1)
      expect(connection.check(JOIN, false)).toMatchObject({ ok: true });
    expect(connection.check(JOIN, false)).toMatchObject({ closeCode: 4429 });
  });

  it('gives each connection its own bucket', () => {
    const { guard } = guardFor({ rateLimit: { burst: 2, perSecond: 1 } });
    const first = guard.forConnection();
    const second = guard.forConnection();
    expect(first.check(JOIN, false)).toMatchObject({ ok: true });
    expect(first.check(JOIN, false)).toMatchObject({ ok: true });
    expect(first.check(JOIN, false)).toMatchObject({ closeCode: 4429 });
    expect(second.check(JOIN, false)).toMatchObject({ ok: true });
    expect(second.check(JOIN, false)).toMatchObject({ ok: true });
  });

  it('does not rate-limit with rateLimit: false', () => {
    const { connection } = guardFor({ rateLimit: false });
    for (let index = 0; index < 200; index += 1)
      expect(connection.check(JOIN, false)).toMatchObject({ ok: true });
  });

  it('counts refused but parsed frames against the rate limit', () => {
    const { connection } = guardFor({ rateLimit: { burst: 2, perSecond: 1 } });
    expect(connection.check('not json', false)).toMatchObject({ action: 'reply' });
    expect(connection.check('{"type":"nope"}', false)).toMatchObject({ action: 'reply' });
    expect(connection.check(JOIN, false)).toMatchObject({ action: 'close', closeCode: 4429 });
  });
});

describe('BAD_JSON', () => {
  it('refuses invalid JSON without echoing the input', () => {
    const { connection } = guardFor();
    const marker = 'MARKER-7f3a9c-<script>';
    for (const input of [
      `{"type":"say","text":"${marker}`,
      `${marker}`,
      `{"${marker}":}`,
      `{"type":"say"} ${marker}`,
    ]) {
      const reply = replyOf(connection.check(input, false));
      expect(reply).toEqual({ type: 'error', code: 'BAD_JSON', message: 'message is not valid JSON' });
      expect(JSON.stringify(reply)).not.toContain('MARKER-7f3a9c');
    }
  });

  it('reports a syntax error that quotes a forbidden word as a syntax error', () => {
    const { connection } = guardFor();
    expect(replyOf(connection.check('prototype', false)).message).toBe('message is not valid JSON');
    expect(replyOf(connection.check('{"type":constructor}', false)).message).toBe(
      'message is not valid JSON',
    );
  });

  it('refuses __proto__ and constructor.prototype keys and never pollutes Object.prototype', () => {
    const { connection } = guardFor();
    const payloads = [
      '{"type":"join","room":"lobby","__proto__":{"polluted":"yes"}}',
      '{"type":"join","room":"lobby","meta":{"color":"red","__proto__":{"polluted":"yes"}}}',
      '{"type":"join","room":"lobby","constructor":{"prototype":{"polluted":"yes"}}}',
      '{"type":"join","room":"lobby","meta":{"constructor":{"prototype":{"polluted":"yes"}}}}',
      '{"type":"join","room":"lobby","\\u005f_proto__":{"polluted":"yes"}}',
    ];
    for (const payload of payloads) {
      const reply = replyOf(connection.check(payload, false));
      expect(reply.code, payload).toBe('BAD_JSON');
      expect(reply.message).toContain('forbidden key');
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('refuses nesting deeper than maxDepth', () => {
    const { connection } = guardFor({ maxDepth: 3 });
    // depth 3 passes the depth check (then fails the schema); depth 4 does not.
    expect(replyOf(connection.check('{"type":"join","room":"a","meta":{"color":[1]}}', false)).code).toBe(
      'VALIDATION_FAILED',
    );
    expect(replyOf(connection.check('{"type":"join","room":"a","meta":{"color":[[1]]}}', false))).toEqual({
      type: 'error',
      code: 'BAD_JSON',
      message: 'message nests too deeply',
    });
  });

  it('refuses deep nesting by default (32) without parsing it', () => {
    const { connection } = guardFor();
    const deep = `{"type":"say","text":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect(replyOf(connection.check(deep, false)).message).toBe('message nests too deeply');
    const hugeDepth = '['.repeat(10_000);
    expect(replyOf(connection.check(hugeDepth, false)).code).toBe('BAD_JSON');
  });

  it('does not count brackets inside strings as nesting', () => {
    const { connection } = guardFor({ maxDepth: 2 });
    expect(connection.check('{"type":"say","text":"[[[[{{{{ \\" [[[["}', false)).toEqual({
      ok: true,
      message: { type: 'say', text: '[[[[{{{{ " [[[[' },
    });
  });
});

describe('VALIDATION_FAILED', () => {
  it.each(['[]', '1', '"x"', 'null', 'true', '[{"type":"join","room":"a"}]'])(
    'refuses the non-object %s',
    (input) => {
      const { connection } = guardFor();
      expect(replyOf(connection.check(input, false))).toEqual({
        type: 'error',
        code: 'VALIDATION_FAILED',
        message: 'message must be a JSON object with a string "type"',
        issues: [{ path: '/type', message: 'must be a string' }],
      });
    },
  );

  it.each([
    '{}',
    '{"room":"a"}',
    '{"type":1}',
    '{"type":null}',
    '{"type":["join"]}',
    '{"type":{"k":"join"}}',
  ])('refuses a missing or non-string type in %s', (input) => {
    const { connection } = guardFor();
    expect(replyOf(connection.check(input, false)).code).toBe('VALIDATION_FAILED');
  });

  it.each(['leave', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', ''])(
    'refuses the unknown type %j',
    (type) => {
      const { connection } = guardFor();
      expect(replyOf(connection.check(JSON.stringify({ type, room: 'a' }), false))).toEqual({
        type: 'error',
        code: 'VALIDATION_FAILED',
        message: 'unknown message type',
        issues: [{ path: '/type', message: 'is not a known message type' }],
      });
    },
  );

  it('returns the schema issues with path and message', () => {
    const { connection } = guardFor();
    const reply = replyOf(connection.check('{"type":"join","room":"NOT VALID"}', false));
    expect(reply.code).toBe('VALIDATION_FAILED');
    expect(reply.message).toBe('invalid "join" message');
    expect(reply.issues).toEqual([{ path: '/room', message: expect.stringContaining('must match pattern') }]);
    const missing = replyOf(connection.check('{"type":"say"}', false));
    expect(missing.issues).toEqual([{ path: '', message: "must have required property 'text'" }]);
  });

  it('refuses extra properties by default, nested objects included, naming plain identifiers', () => {
    const { connection } = guardFor();
    expect(replyOf(connection.check('{"type":"join","room":"a","admin":true}', false))).toEqual({
      type: 'error',
      code: 'VALIDATION_FAILED',
      message: 'invalid "join" message',
      issues: [{ path: '/admin', message: 'must not have additional properties' }],
    });
    expect(
      replyOf(connection.check('{"type":"join","room":"a","meta":{"color":"red","admin":true}}', false))
        .issues,
    ).toEqual([{ path: '/meta/admin', message: 'must not have additional properties' }]);
    // A name that is not a plain identifier is not echoed: the issue stays at the parent.
    const odd = replyOf(
      connection.check('{"type":"join","room":"a","meta":{"color":"red","<b>x</b>":1}}', false),
    );
    expect(odd.issues).toEqual([{ path: '/meta', message: 'must not have additional properties' }]);
    expect(JSON.stringify(odd)).not.toContain('<b>');
    expect(connection.check('{"type":"join","room":"a","meta":{"color":"red"}}', false)).toMatchObject({
      ok: true,
    });
  });

  it('closes objects inside arrays, records and tuples too', () => {
    const Item = Type.Object({ id: Type.String() });
    const validator = jsonSchemaValidator(
      Type.Object({
        type: Type.Literal('bulk'),
        list: Type.Optional(Type.Array(Item)),
        byId: Type.Optional(Type.Record(Type.String(), Item)),
        pair: Type.Optional(Type.Tuple([Item, Item])),
        either: Type.Optional(Type.Union([Item, Type.String()])),
      }),
    );
    expect(validator.validate({ type: 'bulk', list: [{ id: 'a' }] }).ok).toBe(true);
    expect(validator.validate({ type: 'bulk', list: [{ id: 'a', x: 1 }] }).ok).toBe(false);
    expect(validator.validate({ type: 'bulk', byId: { a: { id: 'a' } } }).ok).toBe(true);
    expect(validator.validate({ type: 'bulk', byId: { a: { id: 'a', x: 1 } } }).ok).toBe(false);
    expect(validator.validate({ type: 'bulk', pair: [{ id: 'a' }, { id: 'b' }] }).ok).toBe(true);
    expect(validator.validate({ type: 'bulk', pair: [{ id: 'a' }, { id: 'b', x: 1 }] }).ok).toBe(false);
    expect(validator.validate({ type: 'bulk', either: { id: 'a' } }).ok).toBe(true);
    expect(validator.validate({ type: 'bulk', either: { id: 'a', x: 1 } }).ok).toBe(false);
  });

  it('closes objects nested in additionalProperties schemas', () => {
    const validator = jsonSchemaValidator({
      type: 'object',
      properties: { type: { const: 'map' } },
      additionalProperties: { type: 'object', properties: { id: { type: 'string' } } },
    });
    expect(validator.validate({ type: 'map', a: { id: 'x' } }).ok).toBe(true);
    expect(validator.validate({ type: 'map', a: { id: 'x', extra: 1 } }).ok).toBe(false);
  });

  it('admits extra properties with closedObjects: false', () => {
    const open = jsonSchemaValidator(Join, { closedObjects: false });
    const { connection } = guardFor({ schemas: { join: open, say: schemas.say } });
    expect(connection.check('{"type":"join","room":"a","admin":true}', false)).toEqual({
      ok: true,
      message: { type: 'join', room: 'a', admin: true },
    });
  });

  it('keeps an explicit additionalProperties: true', () => {
    const validator = jsonSchemaValidator(
      Type.Object({ type: Type.Literal('x') }, { additionalProperties: true }),
    );
    expect(validator.validate({ type: 'x', more: 1 }).ok).toBe(true);
  });

  it('caps the issues at maxIssues', () => {
    const many = jsonSchemaValidator(
      Type.Object({
        type: Type.Literal('m'),
        a: Type.String(),
        b: Type.String(),
        c: Type.String(),
        d: Type.String(),
      }),
      { maxIssues: 2 },
    );
    const result = many.validate({ type: 'm', a: 1, b: 2, c: 3, d: 4 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toHaveLength(2);
  });

  it('refuses as VALIDATION_FAILED when a custom validator throws', () => {
    const throwing: Validator<{ type: 'boom' }> = {
      validate() {
        throw new Error('validator bug with secret details');
      },
    };
    const guard = routedFrames({ schemas: { boom: throwing } });
    const reply = replyOf(guard.forConnection().check('{"type":"boom"}', false));
    expect(reply).toEqual({ type: 'error', code: 'VALIDATION_FAILED', message: 'invalid "boom" message' });
    expect(JSON.stringify(reply)).not.toContain('secret');
  });

  it('uses a custom validator result', () => {
    const custom: Validator<{ type: 'ping'; n: number }> = {
      validate: (value) =>
        typeof (value as { n?: unknown }).n === 'number'
          ? { ok: true, value: value as { type: 'ping'; n: number } }
          : { ok: false, issues: [{ path: '/n', message: 'must be a number' }] },
    };
    const connection = routedFrames({ schemas: { ping: custom } }).forConnection();
    expect(connection.check('{"type":"ping","n":1}', false)).toEqual({
      ok: true,
      message: { type: 'ping', n: 1 },
    });
    expect(replyOf(connection.check('{"type":"ping"}', false)).issues).toEqual([
      { path: '/n', message: 'must be a number' },
    ]);
  });
});

describe('errorFrame and parseUntrustedJson', () => {
  it('builds error frames with and without issues', () => {
    expect(errorFrame('NOT_IN_ROOM', 'join the room first')).toEqual({
      type: 'error',
      code: 'NOT_IN_ROOM',
      message: 'join the room first',
    });
    expect(errorFrame('X', 'y', [])).toEqual({ type: 'error', code: 'X', message: 'y' });
    expect(errorFrame('X', 'y', [{ path: '/a', message: 'b' }])).toEqual({
      type: 'error',
      code: 'X',
      message: 'y',
      issues: [{ path: '/a', message: 'b' }],
    });
  });

  it('classifies JSON failures', () => {
    expect(parseUntrustedJson('{"a":1}', 2)).toEqual({ ok: true, value: { a: 1 } });
    expect(parseUntrustedJson('{"a":', 2)).toEqual({ ok: false, reason: 'syntax' });
    expect(parseUntrustedJson('{"__proto__":{}}', 2)).toEqual({ ok: false, reason: 'prototype_poisoning' });
    expect(parseUntrustedJson('"prototype', 2)).toEqual({ ok: false, reason: 'syntax' });
    expect(parseUntrustedJson('[[[]]]', 2)).toEqual({ ok: false, reason: 'too_deep' });
    expect(parseUntrustedJson('{"constructor":1}', 2)).toEqual({ ok: true, value: { constructor: 1 } });
  });
});

describe('options', () => {
  const validSchemas: Readonly<Record<string, MessageSchema>> = schemas;
  it.each<[string, unknown]>([
    ['a non-schema', { schemas: { join: 42 } }],
    ['a null schema', { schemas: { join: null } }],
    ['an empty JSON Schema (it would accept anything)', { schemas: { join: {} } }],
    ['maxBytes 0', { schemas: validSchemas, maxBytes: 0 }],
    ['maxBytes 1.5', { schemas: validSchemas, maxBytes: 1.5 }],
    ['maxDepth 0', { schemas: validSchemas, maxDepth: 0 }],
    ['rateLimit burst 0', { schemas: validSchemas, rateLimit: { burst: 0, perSecond: 1 } }],
    ['rateLimit perSecond 0', { schemas: validSchemas, rateLimit: { burst: 1, perSecond: 0 } }],
    ['rateLimit NaN', { schemas: validSchemas, rateLimit: { burst: Number.NaN, perSecond: 1 } }],
    [
      'rateLimit Infinity',
      { schemas: validSchemas, rateLimit: { burst: 1, perSecond: Number.POSITIVE_INFINITY } },
    ],
  ])('throws WsGateConfigError for %s', (_label, options) => {
    expect(() => routedFrames(options as RoutedFramesOptions)).toThrow(WsGateConfigError);
  });

  it('routes nothing with no routes: every message is an unknown type', () => {
    const connection = routedFrames({ schemas: {} }).forConnection();
    expect(replyOf(connection.check(JOIN, false))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a non-object or invalid JSON Schema', () => {
    expect(() => jsonSchemaValidator(null as unknown as Record<string, unknown>)).toThrow(WsGateConfigError);
    expect(() => jsonSchemaValidator({ type: 'not-a-type' })).toThrow(WsGateConfigError);
  });
});
