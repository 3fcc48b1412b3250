// A DTO class compiled once into two generated functions: one refusing the keys it does not
// declare, one checking its properties in class-validator's order, each property's conditions
// (`@IsOptional`, `@ValidateIf`) before its `@IsDefined` and its other rules.
import { WsGateConfigError } from '../errors.js';
import { extraPropertyIssue } from '../json-schema-validator.js';
import type { ValidationIssue } from '../validator.js';
import { generate, literal } from './codegen.js';
import {
  decoratorsByProperty,
  knownKinds,
  VALIDATION_TYPES,
  type DecoratorMetadata,
  type DtoClass,
} from './metadata.js';
import { decoratorRule, nestedCheck, type DecoratorRule, type NestedRunner } from './property-checks.js';

type Condition = (object: object, value: unknown) => boolean;

interface CompiledProperty {
  readonly name: string;
  readonly conditions: readonly Condition[];
  /** `@IsDefined` first, then the other rules in declaration order. */
  readonly rules: readonly DecoratorRule[];
}

/** A compiled DTO. */
export interface CompiledDto {
  /** Adds an issue for each key of `object` the DTO does not declare. */
  readonly refuseUndeclared: (object: object, path: string, issues: ValidationIssue[]) => void;
  /** Runs the property checks on `object` (a DTO instance) at `path`. */
  readonly check: (object: object, path: string, issues: ValidationIssue[]) => void;
}

function compileProperty(
  target: DtoClass,
  name: string,
  list: readonly DecoratorMetadata[],
  runNested: NestedRunner,
): CompiledProperty {
  const conditions = list
    .filter((metadata) => metadata.type === VALIDATION_TYPES.conditional)
    .map((metadata) => metadata.constraints[0] as Condition);
  const defined = list
    .filter((metadata) => metadata.type === VALIDATION_TYPES.isDefined)
    .map((metadata) => decoratorRule(target.name, metadata));
  const rules = list
    .filter(
      (metadata) => metadata.type === VALIDATION_TYPES.custom || metadata.type === VALIDATION_TYPES.nested,
    )
    .map((metadata) =>
      metadata.type === VALIDATION_TYPES.custom
        ? decoratorRule(target.name, metadata)
        : { check: nestedCheck(metadata, runNested) },
    );
  if (!knownKinds(list))
    throw new WsGateConfigError(`${target.name}.${name}: a decorator of an unknown kind cannot be compiled`);
  return { name, conditions, rules: [...defined, ...rules] };
}

function generateRefusal(declared: readonly string[]): CompiledDto['refuseUndeclared'] {
  const cases =
    declared.length === 0 ? '' : `${declared.map((name) => `case ${literal(name)}:`).join(' ')} break;`;
  return generate(
    { extraPropertyIssue },
    `return function refuseUndeclared(object, path, issues) {
      const keys = Object.keys(object);
      for (let index = 0; index < keys.length; index += 1) {
        switch (keys[index]) {
          ${cases}
          default: issues.push(extraPropertyIssue(path, keys[index]));
        }
      }
    };`,
  );
}

function generateCheck(properties: readonly CompiledProperty[]): CompiledDto['check'] {
  const scope: Record<string, unknown> = {};
  const blocks = properties.map((property, index) => {
    const conditions = property.conditions.map((condition, position) => {
      scope[`condition${index}_${position}`] = condition;
      return `condition${index}_${position}(object, value)`;
    });
    const calls = property.rules.map((rule, position) => {
      const id = `${index}_${position}`;
      if ('check' in rule) {
        scope[`check${id}`] = rule.check;
        return `check${id}(object, value, path, issues);`;
      }
      scope[`test${id}`] = rule.test;
      scope[`report${id}`] = rule.report;
      return `if (!test${id}(value)) report${id}(object, value, path, issues);`;
    });
    const body = calls.join('\n');
    return (
      `value = object[${literal(property.name)}];\n` +
      (conditions.length === 0 ? body : `if (${conditions.join(' && ')}) {\n${body}\n}`)
    );
  });
  return generate(
    scope,
    `return function check(object, path, issues) {
      let value;
      ${blocks.join('\n')}
    };`,
  );
}

/**
 * Compiles DTO classes, each once (the nested ones when a message first holds one). Throws
 * `WsGateConfigError` for a DTO that cannot validate a message.
 */
export class DtoCompiler {
  private readonly compiled = new Map<DtoClass, CompiledDto>();
  private readonly runNested: NestedRunner = (target, object, path, issues) => {
    const compiled = this.compile(target);
    compiled.refuseUndeclared(object, path, issues);
    compiled.check(object, path, issues);
  };

  /** The compiled checks of `target`. */
  compile(target: DtoClass): CompiledDto {
    const known = this.compiled.get(target);
    if (known !== undefined) return known;
    const byProperty = decoratorsByProperty(target);
    const properties = [...byProperty].map(([name, list]) =>
      compileProperty(target, name, list, this.runNested),
    );
    const compiled: CompiledDto = Object.freeze({
      refuseUndeclared: generateRefusal([...byProperty.keys()]),
      check: generateCheck(properties),
    });
    this.compiled.set(target, compiled);
    return compiled;
  }
}
