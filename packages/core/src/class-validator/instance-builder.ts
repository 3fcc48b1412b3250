// The DTO instance of a message, built as `plainToInstance(Dto, message)` builds it: by the DTO's
// plan (instance-plan.ts) for JSON data, through a function generated per class that assigns its
// declared properties by name; by `plainToInstance` itself for a DTO without a plan or a message
// the plan does not model (built again from the start: a DTO constructor then runs twice).
import { plainToInstance } from 'class-transformer';
import { generate, literal } from './codegen.js';
import {
  classTransform,
  Planner,
  plainTransform,
  UNMODELLED,
  type ClassPlan,
  type Transform,
} from './instance-plan.js';
import { declaredNames, type DtoClass } from './metadata.js';

type Instance = Record<string, unknown>;

/** Whether `plainToInstance` would skip `key` on an instance whose constructor is not its plan's class. */
function skippedByPrototype(instance: object, key: string): boolean {
  const prototype = (instance.constructor as { prototype?: object }).prototype;
  if (!prototype) return false;
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  return descriptor !== undefined && descriptor.set === undefined;
}

/** One key of `source` onto `instance`, as `plainToInstance` assigns it (the general case). */
function assignKey(
  plan: ClassPlan,
  instance: Instance,
  source: Instance,
  key: string,
  ownClass: boolean,
): unknown {
  if (key === '__proto__' || key === 'constructor') return undefined;
  const item = source[key];
  void Array.isArray(source[key]); // class-transformer reads each key twice (a getter runs twice)
  if (ownClass ? plan.prototypeSkips.has(key) : skippedByPrototype(instance, key)) return undefined;
  if (instance[key] instanceof Function) return undefined;
  const transform = plan.typed.get(key);
  const value = transform === undefined ? plainTransform(item) : transform(item);
  if (value === UNMODELLED) return UNMODELLED;
  instance[key] = value;
  return undefined;
}

/** The `case` of one property in a generated builder: the same steps as `assignKey`, by name. */
function propertyCase(plan: ClassPlan, name: string, transformName: string): string {
  const key = literal(name);
  const reads = `const item = source[${key}];\n void Array.isArray(source[${key}]);\n`;
  if (plan.prototypeSkips.has(name)) return `case ${key}: { ${reads} continue; }\n`;
  return (
    `case ${key}: {\n ${reads}` +
    ` if (instance[${key}] instanceof Function) continue;\n` +
    ` const value = ${transformName}(item);\n` +
    ` if (value === UNMODELLED) return UNMODELLED;\n` +
    ` instance[${key}] = value;\n continue;\n}\n`
  );
}

/** Generates the builder of one planned class. */
function generateBuilder(plan: ClassPlan): (source: Instance) => unknown {
  const names = new Set([...declaredNames(plan.target), ...plan.typed.keys()]);
  names.delete('__proto__');
  names.delete('constructor');
  const scope: Record<string, unknown> = {
    Target: plan.target,
    UNMODELLED,
    plainTransform,
    assignOwn: (instance: Instance, source: Instance, key: string) =>
      assignKey(plan, instance, source, key, true),
    assignForeign: (instance: Instance, source: Instance) => {
      for (const key of Object.keys(source))
        if (assignKey(plan, instance, source, key, false) === UNMODELLED) return UNMODELLED;
      return instance;
    },
  };
  const cases = [...names].map((name, index) => {
    const transform: Transform | undefined = plan.typed.get(name);
    if (transform === undefined) return propertyCase(plan, name, 'plainTransform');
    scope[`transform${index}`] = transform;
    return propertyCase(plan, name, `transform${index}`);
  });
  return generate(
    scope,
    `return function build(source) {
      const instance = new Target();
      if (instance.constructor !== Target) return assignForeign(instance, source);
      const keys = Object.keys(source);
      for (let index = 0; index < keys.length; index += 1) {
        const key = keys[index];
        switch (key) {
          case "__proto__": case "constructor": continue;
          ${cases.join('')}
          default: if (assignOwn(instance, source, key) === UNMODELLED) return UNMODELLED;
        }
      }
      return instance;
    };`,
  );
}

/**
 * A function building a message's DTO instance exactly as `plainToInstance(target, message)`
 * does: by the DTO's plan for JSON data, by `plainToInstance` for anything else.
 */
export function instanceBuilder(target: DtoClass): (message: object) => Instance {
  const construct = target as unknown as new () => Instance;
  const transformPlain = (message: object) => plainToInstance(construct, message) as Instance;
  const planner = new Planner();
  const plan = planner.plan(target);
  if (plan === undefined) return transformPlain;
  for (const each of planner.plans.values()) each.build = generateBuilder(each);
  const transform = classTransform(plan);
  return (message) => {
    const instance = transform(message);
    return instance === UNMODELLED ? transformPlain(message) : (instance as Instance);
  };
}
