// The Standard Schema v1 interface (https://standardschema.dev), copied from
// @standard-schema/spec 1.1.0 (MIT, © 2024 Colin McDonnell) as its README invites, so that the
// published types of @wsgate/client need no package. Types only: nothing here exists at run time.
// Flattened from the spec's namespace into plain interfaces; structurally the same.

/**
 * A [Standard Schema](https://standardschema.dev) v1 validator: what Zod 4, Valibot 1,
 * ArkType 2 and other libraries' schemas implement.
 *
 * @typeParam Input - what the schema accepts.
 * @typeParam Output - what a successful validation returns.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1Props<Input, Output>;
}

/** The `~standard` properties of a {@link StandardSchemaV1}. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** The version number of the standard. */
  readonly version: 1;
  /** The vendor name of the schema library. */
  readonly vendor: string;
  /** Validates an unknown value. @wsgate/client accepts only a synchronous result. */
  readonly validate: (
    value: unknown,
    options?: StandardSchemaV1Options | undefined,
  ) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Inferred types associated with the schema (types only). */
  readonly types?: StandardSchemaV1Types<Input, Output> | undefined;
}

/** Options a caller may pass to `validate`. */
export interface StandardSchemaV1Options {
  /** Vendor-specific parameters. */
  readonly libraryOptions?: Record<string, unknown> | undefined;
}

/** The result of `validate`: a value, or issues. */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaV1Issue[] };

/** One problem found by `validate`. */
export interface StandardSchemaV1Issue {
  /** The error message of the issue. */
  readonly message: string;
  /** The path of the issue, if any. */
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The input and output types of a schema (types only). */
export interface StandardSchemaV1Types<Input = unknown, Output = Input> {
  /** The input type of the schema. */
  readonly input: Input;
  /** The output type of the schema. */
  readonly output: Output;
}

/** The output type of a Standard Schema: what its handlers receive. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];
