/** One reason a value failed validation. Never contains the raw input. */
export interface ValidationIssue {
  /** JSON Pointer to the offending value (`''` for the root). */
  readonly path: string;
  /** Human-readable description of the rule that failed. */
  readonly message: string;
}

/** Result of {@link Validator.validate}. */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * Checks an untrusted value and, on success, returns it typed as `T`. Implement it over any
 * schema library; `jsonSchemaValidator` ships one over ajv. Must not throw.
 */
export interface Validator<T> {
  validate(value: unknown): ValidationResult<T>;
}

/** The type a {@link Validator} produces. */
export type ValidatedType<V> = V extends Validator<infer T> ? T : never;
