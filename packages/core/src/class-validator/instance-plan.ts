// How class-transformer's `plainToInstance(Dto, message)` builds a DTO instance from JSON data,
// as plans made once per class from its `@Type()` decorators: `new Dto()`, then each key of the
// message but `__proto__` and `constructor`, keys naming a method or a read-only accessor skipped,
// `@Type()` conversions and nested classes, plain copies of untyped objects and arrays. A plan
// models JSON data only (plain objects, arrays, primitives): for anything else in a message (a
// class instance, a Promise, a `constructor` key shadowing an untyped object's class) a transform
// returns `UNMODELLED`. A DTO using `@Expose()`, `@Exclude()`, `@Transform()`, discriminators, a
// `@Type()` function reading its argument, or a `Map`, `Set` or `Buffer` property gets no plan.
import type { DtoClass } from './metadata.js';
import { transformerDecorators, type TypeMetadata } from './transformer-metadata.js';

/** Returned for a value a plan does not model: the message then goes through `plainToInstance`. */
export const UNMODELLED: unique symbol = Symbol('unmodelled');

/** How one value is transformed (`UNMODELLED` for a value left to class-transformer). */
export type Transform = (value: unknown) => unknown;

/** The plan of one class. */
export interface ClassPlan {
  readonly target: new () => Record<string, unknown>;
  /** Own keys of the prototype without a setter: `plainToInstance` never assigns those. */
  readonly prototypeSkips: ReadonlySet<string>;
  /** The transform of each `@Type()` property. */
  readonly typed: Map<string, Transform>;
  /** Builds an instance from a plain object; set once every plan of a DTO is made. */
  build: (source: Record<string, unknown>) => unknown;
}

/** Array types (a property's `design:type`) for which `plainToInstance` builds a plain array. */
const PLAIN_ARRAY_TYPES: readonly unknown[] = [undefined, null, Array, Object, String, Number, Boolean, Date];

/** Types `plainToInstance` handles apart (or a plan would not build like it). */
const UNPLANNED_TYPES: readonly unknown[] = [
  Object,
  Array,
  Map,
  Set,
  WeakMap,
  WeakSet,
  Promise,
  Function,
  Symbol,
  BigInt,
  RegExp,
  Error,
  ArrayBuffer,
  ...(typeof Buffer === 'function' ? [Buffer] : []),
];

/** Own keys of a prototype without a setter (methods, read-only accessors). */
export function prototypeSkipsOf(prototype: object): ReadonlySet<string> {
  return new Set(
    Object.getOwnPropertyNames(prototype).filter(
      (key) => Object.getOwnPropertyDescriptor(prototype, key)?.set === undefined,
    ),
  );
}

/** A plain object (no class, no Promise), what JSON data holds. */
export function isPlainObject(value: object): boolean {
  return (
    Object.getPrototypeOf(value) === Object.prototype &&
    typeof (value as { then?: unknown }).then !== 'function'
  );
}

function primitive(value: unknown): unknown {
  const type = typeof value;
  return value === null ||
    type === 'string' ||
    type === 'number' ||
    type === 'boolean' ||
    type === 'undefined'
    ? value
    : UNMODELLED;
}

/** A list's items through `transform`, into a new array (holes dropped, as `forEach` + `push` do). */
function eachItem(list: unknown[], transform: Transform): unknown {
  if (Object.getPrototypeOf(list) !== Array.prototype) return UNMODELLED;
  const out: unknown[] = [];
  for (let index = 0; index < list.length; index += 1) {
    if (!(index in list)) continue;
    const item = transform(list[index]);
    if (item === UNMODELLED) return UNMODELLED;
    out.push(item);
  }
  return out;
}

/** An untyped value: primitives as they are, arrays and plain objects copied. */
export function plainTransform(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return primitive(value);
  if (Array.isArray(value)) return eachItem(value, plainTransform);
  if (!isPlainObject(value) || value.constructor !== Object) return UNMODELLED;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const item = source[key];
    void Array.isArray(source[key]); // class-transformer reads each key twice (a getter runs twice)
    // class-transformer also skips `Object.prototype`'s own keys without a setter: all functions.
    if (out[key] instanceof Function) continue;
    const copy = plainTransform(item);
    if (copy === UNMODELLED) return UNMODELLED;
    out[key] = copy;
  }
  return out;
}

/** `@Type(() => String | Number | Boolean | Date)`: the conversion of a primitive, item by item in a list. */
function conversion(convert: (value: string | number | boolean) => unknown): Transform {
  const transform: Transform = (value) => {
    if (Array.isArray(value)) return eachItem(value, transform);
    if (value === null || value === undefined) return value;
    const type = typeof value;
    return type === 'string' || type === 'number' || type === 'boolean'
      ? convert(value as string | number | boolean)
      : UNMODELLED;
  };
  return transform;
}

const CONVERSIONS = new Map<unknown, Transform>([
  [String, conversion(String)],
  [Number, conversion(Number)],
  [Boolean, conversion(Boolean)],
  [Date, conversion((value) => new Date(value as string | number))],
]);

/** A value of a `@Type(() => SomeClass)` property: plain objects become instances, item by item in a list. */
export function classTransform(plan: ClassPlan): Transform {
  const transform: Transform = (value) => {
    if (value === null || typeof value !== 'object') return primitive(value);
    if (Array.isArray(value)) return eachItem(value, transform);
    return isPlainObject(value) ? plan.build(value as Record<string, unknown>) : UNMODELLED;
  };
  return transform;
}

function notBuiltYet(): never {
  throw new TypeError('a class plan was used before its builder was made');
}

/** Makes the plans of a DTO and of the classes its `@Type()` decorators name. */
export class Planner {
  /** Every plan made, by class. */
  readonly plans = new Map<unknown, ClassPlan>();

  /** The plan of `target`, or `undefined` if it (or a class it names) cannot be planned. */
  plan(target: unknown): ClassPlan | undefined {
    const known = this.plans.get(target);
    if (known !== undefined) return known;
    if (typeof target !== 'function' || UNPLANNED_TYPES.includes(target)) return undefined;
    const prototype: unknown = target.prototype;
    if (prototype === null || typeof prototype !== 'object') return undefined;
    const decorators = transformerDecorators(target as DtoClass);
    if (decorators === undefined || decorators.reshapes) return undefined;
    const plan: ClassPlan = {
      target: target as new () => Record<string, unknown>,
      prototypeSkips: prototypeSkipsOf(prototype),
      typed: new Map(),
      build: notBuiltYet,
    };
    this.plans.set(target, plan);
    for (const [property, metadata] of decorators.types) {
      const transform = this.typed(metadata);
      if (transform === undefined) return undefined;
      plan.typed.set(property, transform);
    }
    return plan;
  }

  private typed(metadata: TypeMetadata): Transform | undefined {
    if (metadata.options?.discriminator || metadata.reflectedType === Map) return undefined;
    const transform = this.typeTransform(metadata);
    // An array sent for a property not declared as one: class-transformer makes its list with
    // `new DeclaredType()`, which is left to it.
    if (transform === undefined || PLAIN_ARRAY_TYPES.includes(metadata.reflectedType)) return transform;
    return (value) => (Array.isArray(value) ? UNMODELLED : transform(value));
  }

  private typeTransform(metadata: TypeMetadata): Transform | undefined {
    let type: unknown = metadata.reflectedType;
    if (metadata.typeFunction) {
      // A function of its argument may name a different class per message.
      if (metadata.typeFunction.length > 0) return undefined;
      try {
        type = metadata.typeFunction();
      } catch {
        return undefined;
      }
    }
    if (!type) return plainTransform;
    const converted = CONVERSIONS.get(type);
    if (converted !== undefined) return converted;
    const plan = this.plan(type);
    return plan === undefined ? undefined : classTransform(plan);
  }
}
