// Generated functions, the way ajv compiles a schema: one function per DTO, whose source is made
// only of this module's templates and the JSON-quoted names of the DTO's declared properties (code
// the application wrote), never of anything a message holds. A property read or write by a
// constant name is what lets V8 keep it monomorphic, which a loop over names cannot.

/** A string literal of `name`, for generated source. */
export function literal(name: string): string {
  return JSON.stringify(name);
}

/**
 * Evaluates `body` as the body of a function of the `scope` entries (by name) and returns what
 * it returns. The names must be identifiers chosen by this module.
 */
export function generate<T>(scope: Readonly<Record<string, unknown>>, body: string): T {
  const names = Object.keys(scope);
  // The source is built from the templates of this module's callers, never from a message.
  const factory = new Function(...names, `'use strict';\n${body}`) as (...values: unknown[]) => T;
  return factory(...names.map((name) => scope[name]));
}
