// The checks of one decorator on one property: a built-in one as a direct test, any other
// constraint as class-validator runs it (synchronously), `@ValidateNested` through the nested
// DTO's compiled checks. Every check reports what class-validator's constraint would: the same
// verdict, the same message (built only on a failure).
import { WsGateConfigError } from '../errors.js';
import type { ValidationIssue } from '../validator.js';
import { builtinTest, type ValueTest } from './builtin-checks.js';
import { messageRenderer, validationArguments, type MessageRenderer } from './messages.js';
import {
  asList,
  constraintsOf,
  type ConstraintInstance,
  type DecoratorMetadata,
  type DtoClass,
  type PropertyCheck,
} from './metadata.js';

function isThenable(value: unknown): boolean {
  return (
    value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** A decorator being compiled: its DTO's name, its metadata, the renderer of its messages. */
interface Decorator {
  readonly dto: string;
  readonly metadata: DecoratorMetadata;
  readonly render: MessageRenderer;
}

/** Reports the decorator failing (its constraint is `instance`) on a value, at the property's path. */
function reporter({ dto, metadata, render }: Decorator, instance: ConstraintInstance): PropertyCheck {
  return (object, value, parentPath, issues) => {
    issues.push({
      path: `${parentPath}/${metadata.propertyName}`,
      message: render(instance, validationArguments(dto, metadata, object, value)),
    });
  };
}

/** A built-in constraint compiled to `test`, with `validateIf` or `each`. */
function directCheck({ metadata }: Decorator, test: ValueTest, report: PropertyCheck): PropertyCheck {
  const { validateIf } = metadata;
  const each = metadata.each === true;
  return (object, value, parentPath, issues) => {
    if (validateIf !== undefined && !validateIf(object, value)) return;
    const list = each ? asList(value) : undefined;
    // `every` skips the holes of a sparse list, as class-validator's `map` + `every` does.
    const valid = list === undefined ? test(value) : list.every((item) => test(item));
    if (!valid) report(object, value, parentPath, issues);
  };
}

/** A constraint run as class-validator runs it: its instance's `validate`, per item with `each`. */
function constraintCheck(
  { dto, metadata, render }: Decorator,
  instances: readonly ConstraintInstance[],
): PropertyCheck {
  return (object, value, parentPath, issues) => {
    if (metadata.validateIf !== undefined && !metadata.validateIf(object, value)) return;
    const args = validationArguments(dto, metadata, object, value);
    for (const instance of instances) {
      const list = metadata.each === true ? asList(value) : undefined;
      const results =
        list === undefined
          ? [instance.validate(value, args)]
          : list.map((item) => instance.validate(item, args));
      if (results.some(isThenable))
        throw new WsGateConfigError(`${dto}.${metadata.propertyName}: a validator returned a Promise`);
      if (!results.every(Boolean))
        issues.push({ path: `${parentPath}/${metadata.propertyName}`, message: render(instance, args) });
    }
  };
}

/**
 * A compiled decorator: a direct `test` of the value with the `report` of its failure (what the
 * generated checks call inline), or a whole `check`.
 */
export type DecoratorRule =
  { readonly test: ValueTest; readonly report: PropertyCheck } | { readonly check: PropertyCheck };

/**
 * The rule of a decorator with a constraint class (every built-in decorator, `@IsDefined`
 * included, and every custom one): a direct test for a built-in, class-validator's constraint
 * otherwise. An asynchronous constraint is a configuration error.
 */
export function decoratorRule(dto: string, metadata: DecoratorMetadata): DecoratorRule {
  const constraints = constraintsOf(metadata);
  for (const constraint of constraints)
    if (constraint.async === true)
      throw new WsGateConfigError(
        `${dto}.${metadata.propertyName}: @${constraint.name} is asynchronous; message validation must be synchronous`,
      );
  const decorator: Decorator = { dto, metadata, render: messageRenderer(metadata) };
  const [only] = constraints;
  const test = constraints.length === 1 && only !== undefined ? builtinTest(dto, metadata, only) : undefined;
  if (test === undefined || only === undefined)
    return {
      check: constraintCheck(
        decorator,
        constraints.map((constraint) => constraint.instance),
      ),
    };
  const report = reporter(decorator, only.instance);
  if (metadata.each === true || metadata.validateIf !== undefined)
    return { check: directCheck(decorator, test, report) };
  return { test, report };
}

/** What a nested DTO check needs: the compiled checks of an instance's class. */
export type NestedRunner = (
  target: DtoClass,
  object: Record<string, unknown>,
  path: string,
  issues: ValidationIssue[],
) => void;

/** `@ValidateNested()`: an object (or, as a list, each item) is checked against its own class. */
export function nestedCheck(metadata: DecoratorMetadata, run: NestedRunner): PropertyCheck {
  const message = `nested property ${metadata.propertyName} must be either object or array`;
  return (_object, value, parentPath, issues) => {
    if (value === undefined) return;
    const path = `${parentPath}/${metadata.propertyName}`;
    const list = asList(value);
    if (list === undefined) {
      nestedItem(value, path, issues);
      return;
    }
    const entries: [string, unknown][] = list.map((item, index) => [`${path}/${index}`, item]);
    for (const [itemPath, item] of entries) nestedItem(item, itemPath, issues);
  };

  function nestedItem(item: unknown, path: string, issues: ValidationIssue[]): void {
    if (
      item === null ||
      typeof item !== 'object' ||
      item.constructor === Object ||
      item.constructor === undefined
    ) {
      issues.push({ path, message });
      return;
    }
    run(item.constructor as DtoClass, item as Record<string, unknown>, path, issues);
  }
}
