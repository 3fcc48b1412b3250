// The implementation of `classValidatorSchema` before DTOs were compiled (commit 7d07b41), kept
// verbatim as the oracle of the differential test: plainToInstance, then class-validator's
// constraint classes property by property. Every compiled result must equal its result.
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, type ValidationArguments } from 'class-validator';
import { WsGateConfigError } from '../src/errors.js';
import { extraPropertyIssue } from '../src/json-schema-validator.js';
import type { ValidationIssue, Validator } from '../src/validator.js';

/** A class (a DTO). */
type DtoClass<T = unknown> = abstract new (...args: never[]) => T;
type Type<T> = DtoClass<T>;

/** class-validator's metadata of one decorator (the fields its `ValidationMetadata` has). */
interface DecoratorMetadata {
  readonly type: string;
  readonly name?: string;
  readonly target: Type<unknown> | string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly constraintCls?: Type<unknown>;
  readonly each?: boolean;
  readonly message?: string | ((args: ValidationArguments) => string);
  readonly validateIf?: (object: object, value: unknown) => boolean;
}

interface ConstraintInstance {
  validate(value: unknown, args: ValidationArguments): unknown;
  defaultMessage?(args: ValidationArguments): string;
}

/** One compiled property check: the issues of `value` (a property of `object`) at `path`. */
type PropertyCheck = (
  object: Record<string, unknown>,
  value: unknown,
  path: string,
  issues: ValidationIssue[],
) => void;

/** A compiled DTO: its checks by property, and whether a property is declared. */
interface CompiledDto {
  readonly declared: ReadonlySet<string>;
  readonly checks: readonly (readonly [string, PropertyCheck])[];
  readonly target: Type<unknown>;
}

/** class-validator's validation types (`ValidationTypes`). */
const CUSTOM = 'customValidation';
const NESTED = 'nestedValidation';
const CONDITIONAL = 'conditionalValidation';
const IS_DEFINED = 'isDefined';
const WHITELIST = 'whitelistValidation';
const PROMISE = 'promiseValidation';

const storage = getMetadataStorage();

function isThenable(value: unknown): boolean {
  return (
    value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function constraintText(constraint: unknown): string {
  return Array.isArray(constraint) ? constraint.join(', ') : String(constraint);
}

/**
 * A message with class-validator's tokens replaced (`$property`, `$target`, `$constraintN`),
 * except `$value`: the client's value is never echoed.
 */
function render(message: string, args: ValidationArguments): string {
  let text = message
    .replace(/\$property/g, args.property)
    .replace(/\$target/g, args.targetName)
    .replace(/\$value/g, 'the value');
  args.constraints?.forEach((constraint: unknown, index: number) => {
    text = text.replace(new RegExp(`\\$constraint${index + 1}`, 'g'), constraintText(constraint));
  });
  return text;
}

function messageOf(
  metadata: DecoratorMetadata,
  instance: ConstraintInstance,
  args: ValidationArguments,
): string {
  const raw =
    typeof metadata.message === 'function'
      ? metadata.message(args)
      : (metadata.message ?? instance.defaultMessage?.(args) ?? 'is invalid');
  return render(raw, args);
}

function asList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return [...value.values()];
  return undefined;
}

/** A custom constraint (every built-in decorator is one), run as class-validator runs it, synchronously. */
function customCheck(dto: string, metadata: DecoratorMetadata): PropertyCheck {
  const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls as Type<unknown>);
  const instances = constraints.map((constraint) => {
    if (constraint.async)
      throw new WsGateConfigError(
        `${dto}.${metadata.propertyName}: @${constraint.name} is asynchronous; message validation must be synchronous`,
      );
    return constraint.instance as ConstraintInstance;
  });
  return (object, value, path, issues) => {
    if (metadata.validateIf !== undefined && !metadata.validateIf(object, value)) return;
    const args: ValidationArguments = {
      targetName: dto,
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    };
    for (const instance of instances) {
      const list = metadata.each === true ? asList(value) : undefined;
      const results =
        list === undefined
          ? [instance.validate(value, args)]
          : list.map((item) => instance.validate(item, args));
      if (results.some(isThenable))
        throw new WsGateConfigError(`${dto}.${metadata.propertyName}: a validator returned a Promise`);
      if (!results.every(Boolean)) issues.push({ path, message: messageOf(metadata, instance, args) });
    }
  };
}

/** `@ValidateNested()`: an object (or, with `each`, a list of objects) of the nested DTO. */
function nestedCheck(
  dto: string,
  metadata: DecoratorMetadata,
  compile: (target: Type<unknown>) => CompiledDto,
): PropertyCheck {
  return (_object, value, path, issues) => {
    if (value === undefined) return;
    const list = asList(value);
    const entries: [string, unknown][] =
      list === undefined ? [[path, value]] : list.map((item, index) => [`${path}/${index}`, item]);
    for (const [itemPath, item] of entries) {
      if (
        item === null ||
        typeof item !== 'object' ||
        item.constructor === Object ||
        item.constructor === undefined
      ) {
        issues.push({
          path: itemPath,
          message: `nested property ${metadata.propertyName} must be either object or array`,
        });
        continue;
      }
      runDto(compile(item.constructor as Type<unknown>), item as Record<string, unknown>, itemPath, issues);
      void dto;
    }
  };
}

function runDto(
  compiled: CompiledDto,
  object: Record<string, unknown>,
  path: string,
  issues: ValidationIssue[],
): void {
  for (const key of Object.keys(object)) {
    if (!compiled.declared.has(key)) issues.push(extraPropertyIssue(path, key));
  }
  for (const [property, check] of compiled.checks)
    check(object, object[property], `${path}/${property}`, issues);
}

/** Compiles one DTO class (and, lazily, the nested ones it validates) into property checks. */
function compileDto(target: Type<unknown>, cache: Map<Type<unknown>, CompiledDto>): CompiledDto {
  const known = cache.get(target);
  if (known !== undefined) return known;
  const metadatas = storage.getTargetValidationMetadatas(
    target,
    '',
    true,
    false,
    undefined,
  ) as unknown as DecoratorMetadata[];
  const byProperty = new Map<string, DecoratorMetadata[]>();
  for (const metadata of metadatas) {
    if (metadata.type === PROMISE)
      throw new WsGateConfigError(
        `${target.name}.${metadata.propertyName}: @ValidatePromise cannot validate a message`,
      );
    byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  }
  const compiled: CompiledDto = { declared: new Set(byProperty.keys()), checks: [], target };
  cache.set(target, compiled);
  const compile = (nested: Type<unknown>) => compileDto(nested, cache);
  const checks: [string, PropertyCheck][] = [];
  for (const [property, list] of byProperty) {
    const conditions = list.filter((metadata) => metadata.type === CONDITIONAL);
    const defined = list
      .filter((metadata) => metadata.type === IS_DEFINED)
      .map((metadata) => customCheck(target.name, metadata));
    const rules = list
      .filter((metadata) => metadata.type === CUSTOM || metadata.type === NESTED)
      .map((metadata) =>
        metadata.type === CUSTOM
          ? customCheck(target.name, metadata)
          : nestedCheck(target.name, metadata, compile),
      );
    if (
      list.some((metadata) => ![CUSTOM, NESTED, CONDITIONAL, IS_DEFINED, WHITELIST].includes(metadata.type))
    )
      throw new WsGateConfigError(
        `${target.name}.${property}: a decorator of an unknown kind cannot be compiled`,
      );
    checks.push([
      property,
      (object, value, path, issues) => {
        if (
          !conditions.every((condition) =>
            (condition.constraints[0] as (o: object, v: unknown) => boolean)(object, value),
          )
        )
          return;
        for (const check of defined) check(object, value, path, issues);
        for (const check of rules) check(object, value, path, issues);
      },
    ]);
  }
  (compiled.checks as [string, PropertyCheck][]).push(...checks);
  return compiled;
}

/**
 * Compiles a class-validator DTO into a `Validator`, once, at start-up: the same constraint
 * classes, default messages and rules as `ValidationPipe` with `whitelist` and
 * `forbidNonWhitelisted` (an undeclared key is refused, checked against the declared properties
 * only: `constructor` or `hasOwnProperty` are not declared), but synchronous and without
 * building error objects. The validated value is the DTO instance (`plainToInstance`, with its
 * `@Type` conversions and nested DTOs). Issues are JSON Pointers (no value of the input).
 * An asynchronous validator or `@ValidatePromise` is a configuration error.
 */
export function referenceClassValidatorSchema<T>(target: DtoClass<T>): Validator<T> {
  const compiled = compileDto(target as Type<unknown>, new Map());
  return Object.freeze({
    validate(value: unknown) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return { ok: false as const, issues: [{ path: '', message: 'must be an object' }] };
      // class-transformer instantiates the class: an abstract one cannot be a message's DTO anyway.
      const instance = plainToInstance(target as unknown as new () => T, value as object) as Record<
        string,
        unknown
      >;
      const issues: ValidationIssue[] = [];
      // Undeclared keys are read from the message itself: a transformation cannot hide one.
      for (const key of Object.keys(value))
        if (!compiled.declared.has(key)) issues.push(extraPropertyIssue('', key));
      for (const [property, check] of compiled.checks)
        check(instance, instance[property], `/${property}`, issues);
      if (issues.length > 0) return { ok: false as const, issues };
      return { ok: true as const, value: instance as T };
    },
  });
}
