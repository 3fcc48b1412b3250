// `@wsgate/core/class-validator`: class-validator DTOs as message schemas. A subpath of its own so
// that only its users need class-validator and class-transformer (optional peer dependencies).
import type { ValidationIssue, Validator } from '../validator.js';
import { DtoCompiler } from './compile.js';
import { instanceBuilder } from './instance-builder.js';
import type { DtoClass } from './metadata.js';
import { markValidated } from './validated-mark.js';

export type { DtoClass } from './metadata.js';
export { isValidatedDto } from './validated-mark.js';

const PRIMITIVES: readonly unknown[] = [
  String,
  Number,
  Boolean,
  Array,
  Object,
  Symbol,
  BigInt,
  Function,
  Promise,
];

/** The validator of each DTO class compiled so far (a class is compiled once, wherever it is used). */
const compiledSchemas = new WeakMap<DtoClass, Validator<unknown>>();

/** Whether a type (e.g. a `@MessageBody()` parameter's) is a DTO class: not a primitive, `Object` or an interface. */
export function isDtoClass(metatype: unknown): metatype is DtoClass {
  return typeof metatype === 'function' && !PRIMITIVES.includes(metatype);
}

/**
 * Compiles a class-validator DTO into a `Validator`, once, at start-up: the same rules, default
 * messages and custom messages as `ValidationPipe` with `whitelist` and `forbidNonWhitelisted`
 * (an undeclared key is refused, checked against the declared properties only: `constructor` or
 * `hasOwnProperty` are not declared), but synchronous and without building error objects. The
 * built-in decorators run as direct tests (custom ones through their constraint class), and the
 * DTO instance is built by a plan of its `@Type()` decorators, exactly as `plainToInstance` builds
 * it (which still builds it for DTOs using other class-transformer decorators). The validated value
 * is the DTO instance, nested DTOs included. Issues are JSON Pointers (no value of the input).
 * An asynchronous validator or `@ValidatePromise` is a configuration error. A class is compiled
 * once per process: compiling it again returns the same (stateless, frozen) validator.
 */
export function classValidatorSchema<T>(target: DtoClass<T>): Validator<T> {
  let schema = compiledSchemas.get(target) as Validator<T> | undefined;
  if (schema === undefined) {
    schema = compileSchema(target);
    compiledSchemas.set(target, schema);
  }
  return schema;
}

function compileSchema<T>(target: DtoClass<T>): Validator<T> {
  const compiled = new DtoCompiler().compile(target);
  const build = instanceBuilder(target);
  return Object.freeze({
    validate(value: unknown) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return { ok: false as const, issues: [{ path: '', message: 'must be an object' }] };
      // Instantiating the class: an abstract one cannot be a message's DTO anyway.
      const instance = build(value);
      const issues: ValidationIssue[] = [];
      // Undeclared keys are read from the message itself: a transformation cannot hide one.
      compiled.refuseUndeclared(value, '', issues);
      compiled.check(instance, '', issues);
      if (issues.length > 0) return { ok: false as const, issues };
      markValidated(instance);
      return { ok: true as const, value: instance as T };
    },
  });
}
