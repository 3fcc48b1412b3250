import { Ajv, type ErrorObject, type Options as AjvOptions } from 'ajv';
import { WsGateConfigError } from './errors.js';
import type { ValidationIssue, Validator } from './validator.js';

/** A JSON Schema object (plain, or built with TypeBox). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The static type a TypeBox schema carries, `unknown` for a plain JSON Schema. */
export type StaticOf<S> = S extends { static: infer T } ? T : unknown;

/** Options of {@link jsonSchemaValidator}. */
export interface JsonSchemaValidatorOptions {
  /** Ajv instance to compile with (e.g. one with your formats). @default a shared strict-typed instance */
  ajv?: Ajv;
  /**
   * Treat object schemas without `additionalProperties` as `additionalProperties: false`, at
   * every depth: unknown properties are refused unless a schema lets them in explicitly.
   * @default true
   */
  closedObjects?: boolean;
  /** Most issues reported for one value. @default 10 */
  maxIssues?: number;
}

const AJV_DEFAULTS: AjvOptions = { allErrors: true, strict: false, coerceTypes: false, useDefaults: false };
let sharedAjv: Ajv | undefined;

const SUBSCHEMA_MAPS = [
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
] as const;
// `items` is a list in the draft-07 tuple form (TypeBox `Type.Tuple`), a single schema otherwise.
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems', 'items'] as const;
const SUBSCHEMA_SINGLE = [
  'items',
  'additionalItems',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'if',
  'then',
  'else',
  'contains',
] as const;

function isSchemaObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Copies a schema, closing every object schema that does not say otherwise. */
function closeObjects(schema: unknown): unknown {
  if (!isSchemaObject(schema)) return schema;
  const copy: Record<string, unknown> = { ...schema };
  const describesObject = copy['type'] === 'object' || isSchemaObject(copy['properties']);
  if (describesObject && !('additionalProperties' in copy) && !('unevaluatedProperties' in copy)) {
    copy['additionalProperties'] = false;
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = copy[key];
    if (isSchemaObject(map)) {
      copy[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, closeObjects(sub)]));
    }
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = copy[key];
    if (Array.isArray(list)) copy[key] = list.map(closeObjects);
  }
  for (const key of SUBSCHEMA_SINGLE) {
    if (key in copy) copy[key] = closeObjects(copy[key]);
  }
  return copy;
}

function toIssue(error: ErrorObject): ValidationIssue {
  if (error.keyword === 'additionalProperties') {
    return { path: error.instancePath, message: 'must not have additional properties' };
  }
  return { path: error.instancePath, message: error.message ?? 'is invalid' };
}

/**
 * A {@link Validator} over a JSON Schema, compiled once with ajv. TypeBox-friendly: the
 * validated value is typed as the schema's static type.
 *
 * @example
 * const join = jsonSchemaValidator(Type.Object({ type: Type.Literal('join'), room: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }) }));
 * // Validator<{ type: 'join'; room: string }>
 */
export function jsonSchemaValidator<S extends JsonSchema>(
  schema: S,
  options: JsonSchemaValidatorOptions = {},
): Validator<StaticOf<S>> {
  if (!isSchemaObject(schema)) throw new WsGateConfigError('jsonSchemaValidator needs a JSON Schema object');
  const ajv = options.ajv ?? (sharedAjv ??= new Ajv(AJV_DEFAULTS));
  const maxIssues = options.maxIssues ?? 10;
  const compiled = (() => {
    try {
      return ajv.compile(options.closedObjects === false ? schema : (closeObjects(schema) as JsonSchema));
    } catch (error) {
      throw new WsGateConfigError(`invalid JSON Schema: ${(error as Error).message}`);
    }
  })();
  return Object.freeze({
    validate(value: unknown) {
      if (compiled(value)) return { ok: true as const, value: value as StaticOf<S> };
      const issues = (compiled.errors ?? []).slice(0, maxIssues).map(toIssue);
      return { ok: false as const, issues };
    },
  });
}
