import { Ajv, type AnySchemaObject, type ErrorObject, type Options as AjvOptions } from 'ajv';
import { WsGateConfigError } from './errors.js';
import { isPlainIdentifier, pointerSegments, safePointer } from './issue-path.js';
import type { ValidationIssue, Validator } from './validator.js';

/**
 * A JSON Schema object: plain, or built with `@sinclair/typebox` 0.34 or `typebox` 1.x (whose
 * schemas are interfaces, hence `object` rather than a record type).
 */
export type JsonSchema = object;

/**
 * The static type a `@sinclair/typebox` 0.34 schema carries (its phantom `static` property),
 * `unknown` for any other schema. For `typebox` 1.x schemas, which carry none, use
 * `typeboxValidator` from `@wsgate/core/typebox`.
 */
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

const ADDITIONAL_PROPERTY_MESSAGE = 'must not have additional properties';

/**
 * The longest prefix of a JSON Pointer whose segments are all plain identifiers or array
 * indexes: a key the client chose (a record key, an extra property) is never echoed unless it
 * is a plain identifier.
 */
function echoSafePath(pointer: string): string {
  return safePointer(pointerSegments(pointer));
}

/**
 * The issue for a property the schema does not allow: at `parentPath/<name>` when the name is a
 * plain identifier (`^[A-Za-z_$][A-Za-z0-9_$]{0,63}$`), else at `parentPath`, so that no
 * arbitrary client text is echoed. `parentPath` is a JSON Pointer the caller vouches for.
 *
 * @example
 * extraPropertyIssue('', 'from'); // { path: '/from', message: 'must not have additional properties' }
 * extraPropertyIssue('/meta', '<img src=x>'); // { path: '/meta', message: 'must not have additional properties' }
 */
export function extraPropertyIssue(parentPath: string, property: unknown): ValidationIssue {
  const path =
    typeof property === 'string' && isPlainIdentifier(property) ? `${parentPath}/${property}` : parentPath;
  return { path, message: ADDITIONAL_PROPERTY_MESSAGE };
}

function toIssue(error: ErrorObject): ValidationIssue {
  const path = echoSafePath(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    // A truncated parent path already dropped a client key: name no child below it.
    const parentIntact = path === error.instancePath;
    return extraPropertyIssue(path, parentIntact ? error.params['additionalProperty'] : undefined);
  }
  return { path, message: error.message ?? 'is invalid' };
}

/**
 * A {@link Validator} over a JSON Schema, compiled once with ajv. The validated value is typed
 * as the schema's static type for `@sinclair/typebox` 0.34 schemas ({@link StaticOf}); for
 * `typebox` 1.x schemas use `typeboxValidator` from `@wsgate/core/typebox`, which calls this.
 * Issues carry JSON Pointer paths cut at the first segment that is neither a plain identifier
 * nor an array index; an extra property is named only when its name is a plain identifier
 * (see {@link extraPropertyIssue}).
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
      const compilable = options.closedObjects === false ? schema : closeObjects(schema);
      return ajv.compile(compilable as AnySchemaObject);
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
