import { WsGateClientError, type WsGateClientErrorCode } from './errors.js';
import type { InferOutput, StandardSchemaV1 } from './standard-schema.js';
import type { ServerMessage } from './types.js';

/**
 * Schemas for server frames, keyed by frame `type`: one [Standard Schema](https://standardschema.dev)
 * (Zod 4, Valibot 1, ArkType 2, ...) per type, whose output is a frame of that type.
 *
 * @example
 * ```ts
 * const schemas = {
 *   welcome: z.object({ type: z.literal('welcome'), user: z.string() }),
 *   chat: z.object({ type: z.literal('chat'), from: z.string(), text: z.string() }),
 * };
 * ```
 */
export type ServerSchemas = Readonly<Record<string, StandardSchemaV1<unknown, { readonly type: string }>>>;

/** Checks, key by key, that the schema of each `type` outputs a frame with that very `type`. */
export type SchemasFor<S> = {
  readonly [K in keyof S]: StandardSchemaV1<unknown, { readonly type: K }>;
};

/**
 * `unknown` for a `schemas` type with no known keys (the wide type of a plain `ConnectOptions`
 * value, or none), `never` for schemas written out: lets `connect()`'s untyped overload take
 * the former only, so that written-out schemas are always checked by {@link SchemasFor}.
 */
export type UntypedSchemas<S> = string extends keyof NonNullable<S> ? unknown : never;

/** The server messages a map of schemas admits: `{ [type]: output of its schema }`. */
export type SchemaMessages<S extends ServerSchemas> = {
  [K in keyof S]: InferOutput<S[K]>;
};

/** Outcome of checking one parsed frame against the schemas. */
export type FrameCheck =
  | { readonly ok: true; readonly message: ServerMessage }
  | { readonly ok: false; readonly error: WsGateClientError };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  // ArkType's schemas are functions carrying `~standard`.
  const props: unknown =
    isObject(value) || typeof value === 'function'
      ? (value as { '~standard'?: unknown })['~standard']
      : undefined;
  return isObject(props) && props['version'] === 1 && typeof props['validate'] === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return isObject(value) && typeof (value as { then?: unknown }).then === 'function';
}

function invalid(message: string): WsGateClientError {
  return new WsGateClientError('WSGATE_CLIENT_INVALID_OPTION', message);
}

function asyncSchema(type: string): WsGateClientError {
  return invalid(
    `the schema of "${type}" validated asynchronously: server frame schemas must be synchronous`,
  );
}

/**
 * Reads the `schemas` option of `connect()`: a non-empty object of Standard Schemas (own keys
 * only, so that a frame `type` such as `constructor` never finds an inherited property). Each
 * schema is tried once on `{ type: <key> }`, to refuse an asynchronous one now rather than on
 * the first frame; one that is asynchronous only for some values is caught by {@link checkFrame}.
 * Throws `WSGATE_CLIENT_INVALID_OPTION`.
 */
export function resolveSchemas(value: unknown): ReadonlyMap<string, StandardSchemaV1> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Array.isArray(value)) throw invalid('schemas must be an object');
  const schemas = new Map<string, StandardSchemaV1>();
  for (const [type, schema] of Object.entries(value)) {
    if (!isStandardSchema(schema))
      throw invalid(`the schema of "${type}" is not a Standard Schema (Zod 4, Valibot, ArkType, ...)`);
    let probe: unknown;
    try {
      probe = schema['~standard'].validate({ type });
    } catch {
      probe = undefined; // a schema that throws is reported frame by frame
    }
    if (isThenable(probe)) {
      probe.then(undefined, () => undefined);
      throw asyncSchema(type);
    }
    schemas.set(type, schema);
  }
  if (schemas.size === 0) throw invalid('schemas must declare at least one frame type');
  return schemas;
}

function dropped(code: WsGateClientErrorCode, message: string): FrameCheck {
  return { ok: false, error: new WsGateClientError(code, message) };
}

/**
 * Validates a parsed frame against the schema of its `type`, synchronously. The result is
 * what the schema returns (so the library's own policy on unknown keys applies); a frame
 * without a schema, or that fails it, is refused. Error messages name the schema's key (one of
 * yours) and never quote the frame. Never throws.
 */
export function checkFrame(schemas: ReadonlyMap<string, StandardSchemaV1>, frame: ServerMessage): FrameCheck {
  const { type } = frame;
  const schema = schemas.get(type);
  if (schema === undefined)
    return dropped('WSGATE_CLIENT_FRAME_TYPE_UNKNOWN', 'inbound frame dropped: no schema for its type');
  let result;
  try {
    result = schema['~standard'].validate(frame);
  } catch {
    return dropped('WSGATE_CLIENT_FRAME_INVALID', `inbound "${type}" frame dropped: its schema threw`);
  }
  if (isThenable(result)) {
    result.then(undefined, () => undefined);
    return { ok: false, error: asyncSchema(type) };
  }
  if (result.issues)
    return dropped(
      'WSGATE_CLIENT_FRAME_INVALID',
      `inbound "${type}" frame dropped: it does not match its schema`,
    );
  const { value } = result;
  if (!isObject(value) || value['type'] !== type)
    return { ok: false, error: invalid(`the schema of "${type}" returned a value without type "${type}"`) };
  return { ok: true, message: value as ServerMessage };
}
