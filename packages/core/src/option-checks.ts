import { WsGateConfigError } from './errors.js';

/**
 * Option checks shared by every @wsgate package: each reads one option, applies its default
 * (from `DEFAULTS`) when it is `undefined`, and throws `WsGateConfigError` naming the option
 * when the value is unusable. Used once per option, at the entry point that resolves it.
 */

/** An integer ≥ 1. */
export function positiveInteger(name: string, value: unknown, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < 1)
    throw new WsGateConfigError(`${name} must be a positive integer`);
  return resolved;
}

/** An integer ≥ 0 (0 usually means "off"). */
export function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < 0)
    throw new WsGateConfigError(`${name} must be a non-negative integer`);
  return resolved;
}

/** A finite number > 0. */
export function positiveNumber(name: string, value: unknown, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved <= 0)
    throw new WsGateConfigError(`${name} must be a positive number`);
  return resolved;
}

/** A non-empty string. */
export function nonEmptyString(name: string, value: unknown, fallback: string): string {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'string' || resolved === '')
    throw new WsGateConfigError(`${name} must be a non-empty string`);
  return resolved;
}

/** A boolean. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'boolean') throw new WsGateConfigError(`${name} must be a boolean`);
  return resolved;
}

/** One of `allowed`. */
export function oneOf<const T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  const resolved = value ?? fallback;
  if (!allowed.includes(resolved as T))
    throw new WsGateConfigError(`${name} must be one of ${allowed.map((item) => `'${item}'`).join(', ')}`);
  return resolved as T;
}

/** A function (required). */
export function requiredFunction<T extends (...args: never[]) => unknown>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw new WsGateConfigError(`${name} must be a function`);
  return value as T;
}

/** A function, or `undefined`. */
export function optionalFunction<T extends (...args: never[]) => unknown>(
  name: string,
  value: unknown,
): T | undefined {
  return value === undefined ? undefined : requiredFunction<T>(name, value);
}

/** An options object, or `undefined` (then `{}`). Refuses `null`, arrays and primitives. */
export function optionsObject<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new WsGateConfigError(`${name} must be an object`);
  return value;
}

/**
 * Refuses keys of an options object that are not options (a misspelt or removed option would
 * otherwise be ignored in silence).
 */
export function onlyKnownOptions(name: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given))
    if (!known.includes(key))
      throw new WsGateConfigError(
        `${name}: ${key} is not an option (${known.length === 0 ? 'none are' : `known: ${known.join(', ')}`})`,
      );
}

/**
 * An options object made only of booleans (an adapter's switches): `undefined` is `{}`, each
 * missing key takes its default, a key not in `defaults` or a value not a boolean throws
 * `WsGateConfigError` naming it. Returns a frozen object with every key.
 *
 * @example
 * const { logRefusals } = booleanOptions('WsGateAdapter options', options, { logRefusals: true });
 */
export function booleanOptions<K extends string>(
  name: string,
  value: unknown,
  defaults: Readonly<Record<K, boolean>>,
): Readonly<Record<K, boolean>> {
  const given = optionsObject(name, value as Record<string, unknown> | undefined);
  onlyKnownOptions(name, given, Object.keys(defaults));
  const resolved = {} as Record<K, boolean>;
  for (const [key, fallback] of Object.entries(defaults) as [K, boolean][])
    resolved[key] = booleanOption(`${name}.${key}`, given[key], fallback);
  return Object.freeze(resolved);
}
