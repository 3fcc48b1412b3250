// Message schemas from every library @wsgate accepts, through the same rules: closed objects,
// issues with safe paths and no echoed input, synchronous validation only.
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toValidator, WsGateConfigError, type MessageSchema } from '../src/index.js';

const libraries: readonly [string, MessageSchema][] = [
  ['TypeBox (JSON Schema)', Type.Object({ type: Type.Literal('join'), room: Type.String({ maxLength: 8 }) })],
  ['Zod 4', z.object({ type: z.literal('join'), room: z.string().max(8) })],
  ['Valibot 1', v.object({ type: v.literal('join'), room: v.pipe(v.string(), v.maxLength(8)) })],
  ['ArkType 2', type({ type: "'join'", room: 'string <= 8' })],
];

describe.each(libraries)('%s', (_library, schema) => {
  const validator = toValidator(schema, 'join');

  it('accepts a valid message and returns it', () => {
    expect(validator.validate({ type: 'join', room: 'lobby' })).toEqual({
      ok: true,
      value: { type: 'join', room: 'lobby' },
    });
  });

  it('refuses an unknown property, naming it (a plain identifier)', () => {
    const result = validator.validate({ type: 'join', room: 'lobby', from: 'mallory' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.length).toBeGreaterThan(0);
      expect(result.issues.every((issue) => issue.message === 'must not have additional properties')).toBe(
        true,
      );
      expect(JSON.stringify(result.issues)).not.toContain('mallory');
    }
  });

  it('refuses an unknown property whose name is not an identifier without echoing it', () => {
    const result = validator.validate({ type: 'join', room: 'lobby', '<img src=x>': 1 });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('<img');
  });

  it('refuses a wrong type and a broken constraint, naming the path, never echoing the value', () => {
    const wrongType = validator.validate({ type: 'join', room: 4242 });
    expect(wrongType.ok).toBe(false);
    if (!wrongType.ok) {
      expect(wrongType.issues.map((issue) => issue.path)).toContain('/room');
      expect(JSON.stringify(wrongType.issues)).not.toContain('4242');
    }
    const tooLong = validator.validate({ type: 'join', room: 'secret-value-xyz' });
    expect(tooLong.ok).toBe(false);
    expect(JSON.stringify(tooLong)).not.toContain('secret-value-xyz');
  });
});

describe('Standard Schema specifics', () => {
  it('refuses an asynchronous schema at the first message, with a clear configuration error', async () => {
    const asyncSchema = z.object({ type: z.literal('join') }).refine(async () => true);
    const validator = toValidator(asyncSchema, 'join');
    expect(() => validator.validate({ type: 'join' })).toThrow(WsGateConfigError);
    expect(() => validator.validate({ type: 'join' })).toThrow(/"join" validated asynchronously/);
  });

  it('refuses nested unknown keys that Zod strips', () => {
    const nested = toValidator(
      z.object({ type: z.literal('x'), meta: z.object({ color: z.string() }) }),
      'x',
    );
    const result = nested.validate({ type: 'x', meta: { color: 'red', admin: true } });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: '/meta/admin', message: 'must not have additional properties' }],
    });
  });

  it('keeps what a library allows explicitly (a loose object is the app saying so)', () => {
    const loose = toValidator(z.looseObject({ type: z.literal('x') }), 'x');
    expect(loose.validate({ type: 'x', extra: 1 })).toMatchObject({ ok: true });
  });

  it('refuses what is not a schema, and a JSON Schema that constrains nothing', () => {
    expect(() => toValidator(42 as unknown as MessageSchema, 'x')).toThrow(/neither a Validator/);
    expect(() => toValidator({}, 'x')).toThrow(/constrains nothing/);
  });
});
