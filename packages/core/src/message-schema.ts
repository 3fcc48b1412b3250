import type { StandardSchemaV1 } from '@standard-schema/spec';
import { WsGateConfigError } from './errors.js';
import { safePointer } from './issue-path.js';
import { jsonSchemaValidator, type JsonSchema, type StaticOf } from './json-schema-validator.js';
import type { ValidationIssue, ValidationResult, Validator } from './validator.js';

export type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * A message schema, in any of the forms @wsgate compiles to a {@link Validator}:
 * - a `Validator` (yours, or `jsonSchemaValidator(...)`);
 * - a JSON Schema object, e.g. built with TypeBox (`typebox` 1.x or `@sinclair/typebox` 0.34):
 *   compiled once with ajv, objects closed (unknown properties refused);
 * - a [Standard Schema](https://standardschema.dev) (Zod 4, Valibot, ArkType, ...): validated
 *   synchronously; unknown properties refused even where the library strips or keeps them.
 */
export type MessageSchema<T = unknown> = Validator<T> | StandardSchemaV1<unknown, T> | JsonSchema;

/** The type of a valid message under schema `S`. */
export type InferMessage<S> =
  S extends Validator<infer T> ? T : S extends StandardSchemaV1<unknown, infer O> ? O : StaticOf<S>;

/** The union of the valid messages a map of schemas admits (`{ join: ..., say: ... }`). */
export type MessageOf<S extends Readonly<Record<string, MessageSchema>>> = {
  [K in keyof S]: InferMessage<S[K]>;
}[keyof S];

const ADDITIONAL_PROPERTY = 'must not have additional properties';
/** A JSON Schema object must use at least one of these to constrain anything. */
const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  'type',
  'properties',
  'required',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  '$ref',
  'items',
  'prefixItems',
  'patternProperties',
  'additionalProperties',
  'if',
]);
const INVALID = 'is invalid';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isValidator(value: unknown): value is Validator<unknown> {
  return isObject(value) && typeof (value as Partial<Validator<unknown>>).validate === 'function';
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  // ArkType's schemas are functions carrying `~standard`.
  const carrier = isObject(value) || typeof value === 'function';
  const props = carrier ? (value as Partial<StandardSchemaV1>)['~standard'] : undefined;
  return isObject(props) && props.version === 1 && typeof props.validate === 'function';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isObject(value) && !Array.isArray(value);
}

/**
 * Paths of keys the input had and the validated output dropped (a library that strips unknown
 * keys by default, e.g. Zod's and Valibot's objects): each becomes an "additional property" issue.
 */
function strippedKeys(input: unknown, output: unknown, path: string[], found: string[][]): void {
  if (Array.isArray(input) && Array.isArray(output)) {
    const length = Math.min(input.length, output.length);
    for (let index = 0; index < length; index += 1)
      strippedKeys(input[index], output[index], [...path, String(index)], found);
    return;
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(output, key)) found.push([...path, key]);
    else strippedKeys(input[key], output[key], [...path, key], found);
  }
}

/** The string and number leaves of a value, to recognise a library message that echoes one. */
function leafTexts(value: unknown, into: Set<string>, depth = 0): Set<string> {
  if (depth > 64) return into;
  if (typeof value === 'string' && value !== '') into.add(value);
  else if (typeof value === 'number' || typeof value === 'bigint') into.add(String(value));
  else if (isObject(value)) for (const entry of Object.values(value)) leafTexts(entry, into, depth + 1);
  return into;
}

function issueSegments(issue: StandardSchemaV1.Issue): (string | number)[] {
  return (issue.path ?? []).map((segment) => {
    const key = isObject(segment) ? (segment as StandardSchemaV1.PathSegment).key : segment;
    return typeof key === 'symbol' ? '' : (key as string | number);
  });
}

/**
 * A {@link Validator} over a Standard Schema: synchronous only (a schema whose `validate`
 * returns a Promise is a configuration error), issues mapped to safe paths, library messages
 * kept unless they quote a value of the input (then a generic "is invalid"), and unknown keys
 * refused even when the library strips them.
 */
function standardSchemaValidator<T>(schema: StandardSchemaV1<unknown, T>, name: string): Validator<T> {
  const props = schema['~standard'];
  return Object.freeze({
    validate(value: unknown): ValidationResult<T> {
      const result = props.validate(value);
      if (result instanceof Promise) {
        result.catch(() => undefined);
        throw new WsGateConfigError(
          `the schema of "${name}" validated asynchronously: message schemas must be synchronous`,
        );
      }
      if (result.issues !== undefined) {
        const echoed = leafTexts(value, new Set());
        const issues = result.issues.map((issue): ValidationIssue => ({
          path: safePointer(issueSegments(issue)),
          message: [...echoed].some((text) => issue.message.includes(text)) ? INVALID : issue.message,
        }));
        return { ok: false, issues };
      }
      const stripped: string[][] = [];
      strippedKeys(value, result.value, [], stripped);
      if (stripped.length > 0) {
        return {
          ok: false,
          issues: stripped.map((path) => ({ path: safePointer(path), message: ADDITIONAL_PROPERTY })),
        };
      }
      return { ok: true, value: result.value };
    },
  });
}

/**
 * The JSON Schema a Standard Schema describes itself with (`~standard.jsonSchema`, Standard
 * JSON Schema), when the library offers one: used to refuse keys a library keeps by default
 * (ArkType's objects), since the validated output cannot show them.
 */
function declaredShape(schema: StandardSchemaV1): Validator<unknown> | undefined {
  const props = (schema as { '~standard'?: { jsonSchema?: { input?: unknown } } })['~standard'];
  const input = props?.jsonSchema?.input;
  if (typeof input !== 'function') return undefined;
  try {
    const described = (input as (options: { target: string }) => unknown)({ target: 'draft-07' });
    return isPlainObject(described) ? jsonSchemaValidator(described) : undefined;
  } catch {
    // Some schemas cannot be written as JSON Schema (transforms, custom refinements).
    return undefined;
  }
}

/** Only the "additional property" issues of a closed-object check. */
function unknownKeyIssues(shape: Validator<unknown>, value: unknown): ValidationIssue[] {
  const result = shape.validate(value);
  return result.ok ? [] : result.issues.filter((issue) => issue.message === ADDITIONAL_PROPERTY);
}

/**
 * Compiles a {@link MessageSchema} to a {@link Validator}, once. `name` is the message name, for
 * error texts. Throws `WsGateConfigError` for anything that is not a schema.
 *
 * @example
 * const join = toValidator(z.object({ type: z.literal('join'), room: z.string() }), 'join');
 */
export function toValidator<S extends MessageSchema>(schema: S, name: string): Validator<InferMessage<S>> {
  // Standard Schema first: some libraries' schemas also have an unrelated `validate` method (Zod 4).
  if (isStandardSchema(schema)) {
    const validator = standardSchemaValidator(schema as StandardSchemaV1<unknown, InferMessage<S>>, name);
    const shape = declaredShape(schema);
    if (shape === undefined) return validator;
    return Object.freeze({
      validate(value: unknown): ValidationResult<InferMessage<S>> {
        const result = validator.validate(value);
        if (!result.ok) return result;
        const unknown = unknownKeyIssues(shape, value);
        return unknown.length === 0 ? result : { ok: false, issues: unknown };
      },
    });
  }
  if (isValidator(schema)) return schema as Validator<InferMessage<S>>;
  if (isPlainObject(schema)) {
    if (!Object.keys(schema).some((keyword) => SCHEMA_KEYWORDS.has(keyword)))
      throw new WsGateConfigError(
        `the schema of "${name}" constrains nothing (it would accept any message); declare its shape`,
      );
    return jsonSchemaValidator(schema) as Validator<InferMessage<S>>;
  }
  throw new WsGateConfigError(
    `the schema of "${name}" is neither a Validator, a Standard Schema nor a JSON Schema object`,
  );
}
