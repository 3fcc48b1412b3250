// class-validator's metadata of a DTO, as the compiler reads it: every decorator of every
// property (inherited ones included), grouped by property in declaration order.
import { getMetadataStorage, type ValidationArguments } from 'class-validator';
import { WsGateConfigError } from '../errors.js';
import type { ValidationIssue } from '../validator.js';

/** A class (a DTO). */
export type DtoClass<T = unknown> = abstract new (...args: never[]) => T;

/** class-validator's metadata of one decorator (the fields its `ValidationMetadata` has). */
export interface DecoratorMetadata {
  readonly type: string;
  readonly name?: string;
  readonly target: DtoClass | string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly constraintCls?: DtoClass;
  readonly each?: boolean;
  readonly message?: string | ((args: ValidationArguments) => string);
  readonly validateIf?: (object: object, value: unknown) => boolean;
}

/** A constraint class's instance, as class-validator registers it. */
export interface ConstraintInstance {
  validate(value: unknown, args: ValidationArguments): unknown;
  defaultMessage?(args: ValidationArguments): string;
}

/** A constraint class as class-validator registers it (`ConstraintMetadata`). */
export interface ConstraintMetadata {
  readonly name?: string;
  readonly async?: boolean;
  readonly instance: ConstraintInstance;
}

/**
 * One compiled property check: adds the issues of `value` (the property of `object` it was
 * compiled for) below `parentPath`. The path of the property itself is built only for an issue.
 */
export type PropertyCheck = (
  object: Record<string, unknown>,
  value: unknown,
  parentPath: string,
  issues: ValidationIssue[],
) => void;

/** class-validator's validation types (`ValidationTypes`). */
export const VALIDATION_TYPES = Object.freeze({
  custom: 'customValidation',
  nested: 'nestedValidation',
  conditional: 'conditionalValidation',
  isDefined: 'isDefined',
  whitelist: 'whitelistValidation',
  promise: 'promiseValidation',
});

const KNOWN_TYPES: readonly string[] = Object.values(VALIDATION_TYPES);

const storage = getMetadataStorage();

/** The constraints registered for a decorator's constraint class. */
export function constraintsOf(metadata: DecoratorMetadata): readonly ConstraintMetadata[] {
  return storage.getTargetValidatorConstraints(
    metadata.constraintCls as DtoClass,
  ) as unknown as readonly ConstraintMetadata[];
}

function validationMetadatas(target: DtoClass): DecoratorMetadata[] {
  return storage.getTargetValidationMetadatas(
    target,
    '',
    true,
    false,
    undefined,
  ) as unknown as DecoratorMetadata[];
}

/** The names of the properties a class declares to class-validator (any decorator). */
export function declaredNames(target: DtoClass): Set<string> {
  return new Set(validationMetadatas(target).map((metadata) => metadata.propertyName));
}

/**
 * A DTO's decorators by property, in class-validator's order. `@ValidatePromise` is refused (a
 * message is never a Promise); a decorator of a kind this module does not know is refused when
 * its property compiles.
 */
export function decoratorsByProperty(target: DtoClass): Map<string, DecoratorMetadata[]> {
  const byProperty = new Map<string, DecoratorMetadata[]>();
  for (const metadata of validationMetadatas(target)) {
    if (metadata.type === VALIDATION_TYPES.promise)
      throw new WsGateConfigError(
        `${target.name}.${metadata.propertyName}: @ValidatePromise cannot validate a message`,
      );
    byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  }
  return byProperty;
}

/** Whether every decorator of a property is of a kind this module compiles. */
export function knownKinds(list: readonly DecoratorMetadata[]): boolean {
  return list.every((metadata) => KNOWN_TYPES.includes(metadata.type));
}

/** `Array`, `Set` or `Map` values as a list (what `each: true` and nested lists iterate), else `undefined`. */
export function asList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return [...value.values()];
  return undefined;
}
