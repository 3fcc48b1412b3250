// `@wsgate/core/typebox`: message validators typed by `typebox` 1.x schemas. A subpath of its own
// so that only its users need `typebox` installed: the types below import it, the code does not.
import type { Static, TSchema } from 'typebox';
import { jsonSchemaValidator, type JsonSchemaValidatorOptions } from '../json-schema-validator.js';
import type { Validator } from '../validator.js';

/**
 * A {@link Validator} over a `typebox` 1.x schema, typed by the schema's `Static` type. It is
 * `jsonSchemaValidator` (ajv, closed objects, the same options and issues) with TypeBox 1's
 * inference: TypeBox 1 schemas carry no phantom `static` property for the main entry to read.
 * For `@sinclair/typebox` 0.34 schemas, `jsonSchemaValidator` from `@wsgate/core` infers alone.
 *
 * @example
 * import Type from 'typebox';
 * import { typeboxValidator } from '@wsgate/core/typebox';
 * const join = typeboxValidator(Type.Object({ type: Type.Literal('join'), room: Type.String() }));
 * // Validator<{ type: 'join'; room: string }>
 */
export function typeboxValidator<S extends TSchema>(
  schema: S,
  options?: JsonSchemaValidatorOptions,
): Validator<Static<S>> {
  return jsonSchemaValidator(schema, options) as Validator<Static<S>>;
}
