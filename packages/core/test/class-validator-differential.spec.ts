// Differential test of the compiled class-validator DTOs: random messages go through the compiled
// validator and through the reference (the implementation before compilation: plainToInstance,
// then class-validator's constraint classes), which must agree exactly — the verdict, every
// issue (path, message, order) and the DTO instance handed on (classes, keys in order, values).
// The verdict must also be class-validator's own (`validateSync` with whitelist +
// forbidNonWhitelisted after `plainToInstance`). `FUZZ_RUNS` scales the runs (default 300).
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classValidatorSchema, isValidatedDto } from '../src/class-validator/index.js';
import type { ValidationResult } from '../src/index.js';
import { referenceClassValidatorSchema } from './class-validator-reference.js';
import { Child, DTOS, type DtoCase } from './class-validator-dtos.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const settings = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

/** Keys `plainToInstance` drops or that name `Object.prototype` members: verdicts differ from validateSync by design. */
const ODD_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'greet', 'shout'];
const EXTRA_KEYS = ['extra', 'type', '<b>', '0'];

/** Values near the DTOs' rules, so that both verdicts are frequent. */
const INTERESTING: readonly unknown[] = [
  '',
  'a',
  'ab',
  'abc',
  'abcd',
  'abcdefghij',
  ' a ',
  'x1',
  'xy',
  'yes',
  'root',
  'red',
  'green',
  'vip',
  'b',
  'A',
  '\uD83D\uDE00\uD83D\uDE00',
  'a\uFE0Fb',
  'user@example.com',
  'not-an-email',
  '9b2f7a6e-8c1d-4f3e-9a2b-1c0d3e4f5a6b',
  '123e4567-e89b-12d3-a456-426614174000',
  '2024-01-02T03:04:05Z',
  0,
  1,
  -1,
  2,
  10,
  11,
  120,
  121,
  1.25,
  1.255,
  -3.5,
  true,
  false,
  null,
  1e21,
];

const scalar = fc.oneof(
  fc.constantFrom(...INTERESTING),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -200, max: 200 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e-7, -3e-323, 5e-324),
  fc.boolean(),
  fc.constant(null),
);

function jsonValue(keys: readonly string[]): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...keys, 'label', 'rank', 'secret', 'extra'), tie('value'), {
        maxKeys: 4,
      }),
    ),
  }));
  return value;
}

/** A message as the wire delivers it: JSON text parsed (own `__proto__` keys included). */
function messageOf(entries: readonly (readonly [string, unknown])[]): unknown {
  const text = `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
  return JSON.parse(text) as unknown;
}

function messages({ keys, valid }: DtoCase, odd: boolean): fc.Arbitrary<unknown> {
  const key = fc.constantFrom(...keys, ...EXTRA_KEYS, ...(odd ? ODD_KEYS : []));
  const child = fc
    .record({ label: scalar, rank: scalar, secret: scalar }, { requiredKeys: [] })
    .map((record) => messageOf(Object.entries(record)));
  const nested = jsonValue([...keys, ...(odd ? ODD_KEYS : [])]);
  const value = fc.oneof(scalar, nested, child, fc.array(fc.oneof(child, nested), { maxLength: 3 }));
  const entries = fc.uniqueArray(fc.tuple(key, value), { maxLength: 7, selector: ([name]) => name });
  return fc
    .tuple(fc.boolean(), entries)
    .map(([fromValid, changes]) =>
      messageOf(Object.entries({ ...(fromValid ? valid : {}), ...Object.fromEntries(changes) })),
    );
}

/** A value's shape for comparison: classes, keys in order, values. */
function shape(value: unknown): unknown {
  if (typeof value === 'function') return { function: value.name };
  if (value instanceof Date) return { date: Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString() };
  if (Array.isArray(value)) return { array: value.map(shape) };
  if (value !== null && typeof value === 'object')
    return {
      class: (value.constructor as { name?: string } | undefined)?.name ?? null,
      prototype: Object.getPrototypeOf(value) === Object.prototype ? 'Object' : 'other',
      entries: Object.keys(value).map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    };
  return Number.isNaN(value) ? 'NaN' : value;
}

function outcome(run: () => ValidationResult<unknown>): unknown {
  try {
    const result = run();
    return result.ok ? { ok: true, value: shape(result.value) } : { ok: false, issues: result.issues };
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message };
  }
}

function verdict(run: () => boolean): boolean | 'throws' {
  try {
    return run();
  } catch {
    return 'throws';
  }
}

function classValidatorAccepts(dto: new () => object, message: object): boolean {
  const errors = validateSync(plainToInstance(dto, message), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length === 0;
}

describe.each(DTOS)('compiled $dto.name', (entry) => {
  const { dto } = entry;
  const compiled = classValidatorSchema(dto);
  const reference = referenceClassValidatorSchema(dto);

  it('agrees with the reference implementation on every message (verdict, issues, instance)', () => {
    fc.assert(
      fc.property(messages(entry, true), (message) => {
        expect(outcome(() => compiled.validate(message))).toEqual(outcome(() => reference.validate(message)));
      }),
      settings,
    );
  });
});

describe.each(DTOS.filter((entry) => entry.sameVerdict !== false))('compiled $dto.name', (entry) => {
  const { dto } = entry;
  const compiled = classValidatorSchema(dto);

  it("gives class-validator's own verdict (validateSync, whitelist + forbidNonWhitelisted)", () => {
    fc.assert(
      fc.property(messages(entry, false), (message) => {
        // class-validator's own `isNumber` with `maxDecimalPlaces` throws on `1e-7`: so do both.
        const expected = verdict(() => classValidatorAccepts(dto, message as object));
        expect(verdict(() => compiled.validate(message).ok)).toBe(expected);
        const result = expected === 'throws' ? undefined : compiled.validate(message);
        if (result?.ok === true) {
          expect(result.value).toBeInstanceOf(dto);
          expect(isValidatedDto(result.value)).toBe(true);
        }
      }),
      settings,
    );
  });
});

/** An object whose `label` reads 'ok' and 7 in turn: how often a key is read shows. */
function alternating(): object {
  let reads = 0;
  return {
    get label() {
      reads += 1;
      return reads % 2 === 1 ? 'ok' : 7;
    },
  };
}

describe('compiled DTOs on odd values (keys of Object.prototype, values JSON cannot carry)', () => {
  const values: readonly unknown[] = [
    new Date(0),
    new Map([['label', 'a']]),
    new Set(['a']),
    Object.create(null) as unknown,
    Object.assign(new Child(), { label: 'ok' }),
    { then: () => undefined },
    // eslint-disable-next-line no-sparse-arrays -- a hole, which JSON cannot carry
    [, { label: 'a' }],
    [{ label: 'a' }, new Child()],
    { label: 'a', constructor: 1 },
    alternating(),
    JSON.parse('{"label":"a","toString":1,"hasOwnProperty":[2],"__proto__":{"x":1},"valueOf":{}}'),
    Symbol('s'),
    10n,
    () => 1,
  ];

  it.each(DTOS)('$dto.name agrees with the reference', ({ dto, keys, valid }) => {
    const compiled = classValidatorSchema(dto);
    const reference = referenceClassValidatorSchema(dto);
    for (const key of [...keys, 'extra'])
      for (const value of values) {
        const message = { ...valid, [key]: value };
        expect(outcome(() => compiled.validate(message))).toEqual(outcome(() => reference.validate(message)));
      }
  });
});
