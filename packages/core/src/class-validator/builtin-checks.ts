// class-validator's built-in decorators as direct tests of a value, decided once per decorator at
// start-up: the same functions the decorators call (class-validator exports them), bound to the
// decorator's constraints, without a `ValidationArguments` object or a constraint instance per
// call. Two are shortened where the result provably cannot differ: `@Length` and its kin count
// characters only when the string holds a surrogate or a variation selector (validator.js's
// `isLength` counts those specially), and `@Matches` tests a non-global RegExp directly.
import * as cv from 'class-validator';
import { validationArguments } from './messages.js';
import type { ConstraintMetadata, DecoratorMetadata } from './metadata.js';

/** A direct test of one value (for `each: true`, of one item). */
export type ValueTest = (value: unknown) => boolean;
type TestFactory = (constraints: readonly unknown[]) => ValueTest | undefined;

/** Characters validator.js's `isLength` does not count one for one. */
const COUNTED_SPECIALLY = /[\uD800-\uDBFF]|\uFE0E|\uFE0F/;

/** `isLength`'s range check (`min || 0`, `max` optional) on a string it counts one for one. */
function inRange(length: number, min: unknown, max: unknown): boolean {
  return length >= ((min as number) || 0) && (typeof max === 'undefined' || length <= (max as number));
}

function lengthTest(min: unknown, max: unknown, exact: (value: string) => boolean): ValueTest {
  return (value) =>
    typeof value === 'string' &&
    (COUNTED_SPECIALLY.test(value) ? exact(value) : inRange(value.length, min, max));
}

/** The RegExp `@Matches` would test with, when testing it directly cannot differ from `str.match`. */
function directRegExp(pattern: unknown, modifiers: unknown): RegExp | undefined {
  let regex: RegExp;
  if (Object.prototype.toString.call(pattern) === '[object RegExp]') {
    if (Object.getPrototypeOf(pattern) !== RegExp.prototype || Object.hasOwn(pattern as object, Symbol.match))
      return undefined;
    regex = pattern as RegExp;
  } else {
    try {
      regex = new RegExp(pattern as string, modifiers as string | undefined);
    } catch {
      return undefined;
    }
  }
  // A global or sticky RegExp keeps state between tests; `str.match` does not.
  return regex.global || regex.sticky ? undefined : regex;
}

function matchesTest([pattern, modifiers]: readonly unknown[]): ValueTest {
  const regex = directRegExp(pattern, modifiers);
  if (regex === undefined)
    return (value) => cv.matches(value as string, pattern as string, modifiers as string);
  return (value) => typeof value === 'string' && regex.test(value);
}

function enumTest([entity]: readonly unknown[]): ValueTest | undefined {
  if (entity === null || typeof entity !== 'object') return undefined;
  const values = Object.keys(entity).map((key) => (entity as Record<string, unknown>)[key]);
  return (value) => values.includes(value);
}

/** The built-in decorators compiled, by their registered name. */
const FACTORIES: ReadonlyMap<string, TestFactory> = new Map<string, TestFactory>([
  [cv.IS_DEFINED, () => (value) => cv.isDefined(value)],
  [cv.IS_STRING, () => (value) => cv.isString(value)],
  [cv.IS_INT, () => (value) => cv.isInt(value)],
  [
    cv.IS_NUMBER,
    ([options]) =>
      (value) =>
        cv.isNumber(value, options as cv.IsNumberOptions),
  ],
  [cv.IS_BOOLEAN, () => (value) => cv.isBoolean(value)],
  [cv.IS_NOT_EMPTY, () => (value) => cv.isNotEmpty(value)],
  [cv.IS_EMPTY, () => (value) => cv.isEmpty(value)],
  [
    cv.EQUALS,
    ([comparison]) =>
      (value) =>
        cv.equals(value, comparison),
  ],
  [
    cv.NOT_EQUALS,
    ([comparison]) =>
      (value) =>
        cv.notEquals(value, comparison),
  ],
  [
    cv.IS_IN,
    ([values]) =>
      (value) =>
        cv.isIn(value, values as readonly unknown[]),
  ],
  [
    cv.IS_NOT_IN,
    ([values]) =>
      (value) =>
        cv.isNotIn(value, values as readonly unknown[]),
  ],
  [cv.IS_ENUM, enumTest],
  [cv.MIN_LENGTH, ([min]) => lengthTest(min, undefined, (value) => cv.minLength(value, min as number))],
  [cv.MAX_LENGTH, ([max]) => lengthTest(0, max, (value) => cv.maxLength(value, max as number))],
  [
    cv.IS_LENGTH,
    ([min, max]) => lengthTest(min, max, (value) => cv.length(value, min as number, max as number)),
  ],
  [cv.MATCHES, matchesTest],
  [
    cv.MIN,
    ([min]) =>
      (value) =>
        cv.min(value, min as number),
  ],
  [
    cv.MAX,
    ([max]) =>
      (value) =>
        cv.max(value, max as number),
  ],
  [cv.IS_POSITIVE, () => (value) => cv.isPositive(value)],
  [cv.IS_NEGATIVE, () => (value) => cv.isNegative(value)],
  [cv.IS_ARRAY, () => (value) => cv.isArray(value)],
  [
    cv.ARRAY_MIN_SIZE,
    ([min]) =>
      (value) =>
        cv.arrayMinSize(value, min as number),
  ],
  [
    cv.ARRAY_MAX_SIZE,
    ([max]) =>
      (value) =>
        cv.arrayMaxSize(value, max as number),
  ],
  [cv.ARRAY_NOT_EMPTY, () => (value) => cv.arrayNotEmpty(value)],
  [cv.IS_OBJECT, () => (value) => cv.isObject(value)],
  [
    cv.IS_UUID,
    ([version]) =>
      (value) =>
        cv.isUUID(value, version as cv.IsUUIDVersion),
  ],
  [
    cv.IS_EMAIL,
    ([options]) =>
      (value) =>
        cv.isEmail(value as string, options as never),
  ],
]);

/** Names of the decorators compiled to direct tests (documentation and tests). */
export const COMPILED_DECORATORS: readonly string[] = Object.freeze([...FACTORIES.keys()]);

const BASE_PROBES: readonly unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'a',
  'abc',
  'hello world',
  'UPPER',
  '0',
  '1',
  '-1',
  '1.5',
  'true',
  'a'.repeat(300),
  'é',
  '\uD83D\uDE00',
  'a\uFE0F',
  'user@example.com',
  '123e4567-e89b-12d3-a456-426614174000',
  '9b2f7a6e-8c1d-4f3e-9a2b-1c0d3e4f5a6b',
  0,
  -0,
  1,
  -1,
  2,
  1.5,
  -0.5,
  100,
  2 ** 53,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  true,
  false,
  [],
  [1],
  ['a'],
  [1, 2, 3],
  [null],
  {},
  { a: 1 },
];

/** Probe values derived from a decorator's constraints (the bounds and the allowed values). */
function derivedProbes(constraints: readonly unknown[]): unknown[] {
  const probes: unknown[] = [];
  for (const constraint of constraints) {
    if (Array.isArray(constraint)) probes.push(...(constraint as unknown[]).slice(0, 64));
    else if (constraint !== null && typeof constraint === 'object')
      probes.push(...Object.values(constraint).slice(0, 64));
    else probes.push(constraint);
    if (typeof constraint === 'number' && Number.isFinite(constraint)) {
      probes.push(constraint - 1, constraint - 0.5, constraint + 0.5, constraint + 1);
      for (const length of [constraint - 1, constraint, constraint + 1])
        if (Number.isInteger(length) && length >= 0 && length <= 10_000)
          probes.push(
            'x'.repeat(length),
            '\uD83D\uDE00'.repeat(length),
            Array.from({ length }, () => 0),
          );
    }
  }
  return probes;
}

function outcome(run: () => unknown): boolean | 'throws' {
  try {
    const result = run();
    // A Promise is no verdict: such a constraint stays class-validator's (and is refused there).
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as PromiseLike<unknown>).then === 'function'
    )
      return 'throws';
    return Boolean(result);
  } catch {
    return 'throws';
  }
}

/**
 * The direct test of a decorator whose constraint is a built-in one, or `undefined` (the
 * constraint then runs as class-validator runs it). A constraint is taken for the built-in of its
 * name only when it gives the test's verdict on every probe value (a custom decorator registered
 * under a built-in's name keeps its own rule).
 */
export function builtinTest(
  dto: string,
  metadata: DecoratorMetadata,
  constraint: ConstraintMetadata,
): ValueTest | undefined {
  const factory = constraint.name === undefined ? undefined : FACTORIES.get(constraint.name);
  const constraints = metadata.constraints ?? [];
  const test = factory?.(constraints);
  if (test === undefined) return undefined;
  for (const probe of [...BASE_PROBES, ...derivedProbes(constraints)]) {
    const expected = outcome(() =>
      constraint.instance.validate(probe, validationArguments(dto, metadata, {}, probe)),
    );
    if (expected === 'throws' || outcome(() => test(probe)) !== expected) return undefined;
  }
  return test;
}
