// The message of a failed decorator: its `message` option or its constraint's default message,
// with class-validator's tokens replaced, never the client's value. Built only for a failure.
import type { ValidationArguments } from 'class-validator';
import type { ConstraintInstance, DecoratorMetadata } from './metadata.js';

function constraintText(constraint: unknown): string {
  return Array.isArray(constraint) ? constraint.join(', ') : String(constraint);
}

type Tokens = readonly (readonly [RegExp, string])[];

/**
 * A message with class-validator's tokens replaced (`$property`, `$target`, `$constraintN`),
 * except `$value`: the client's value is never echoed.
 */
function render(message: string, args: ValidationArguments, constraints: Tokens): string {
  let text = message
    .replace(/\$property/g, args.property)
    .replace(/\$target/g, args.targetName)
    .replace(/\$value/g, 'the value');
  for (const [token, replacement] of constraints) text = text.replace(token, replacement);
  return text;
}

function constraintTokens(constraints: readonly unknown[] | undefined): Tokens {
  return (constraints ?? []).map(
    (constraint, index) =>
      [new RegExp(`\\$constraint${index + 1}`, 'g'), constraintText(constraint)] as const,
  );
}

/** The arguments class-validator hands a constraint and a message function. */
export function validationArguments(
  dto: string,
  metadata: DecoratorMetadata,
  object: object,
  value: unknown,
): ValidationArguments {
  return {
    targetName: dto,
    property: metadata.propertyName,
    object,
    value,
    constraints: metadata.constraints,
  };
}

/** Most distinct raw messages whose rendering a decorator keeps, and the longest one kept. */
const RENDERED_MESSAGES = 32;
const RENDERED_LENGTH = 256;

/** Renders the messages of one decorator failing with its constraint's `instance`. */
export type MessageRenderer = (instance: ConstraintInstance, args: ValidationArguments) => string;

/**
 * The message of `metadata` failing: its `message` option or its constraint's default message,
 * rendered. A rendering depends only on the raw message (the tokens replaced are the decorator's
 * property, class and constraints), so the renderings of the first short raw messages are kept.
 */
export function messageRenderer(metadata: DecoratorMetadata): MessageRenderer {
  let constraints: Tokens | undefined;
  const rendered = new Map<string, string>();
  return (instance, args) => {
    const raw =
      typeof metadata.message === 'function'
        ? metadata.message(args)
        : (metadata.message ?? instance.defaultMessage?.(args) ?? 'is invalid');
    const known = rendered.get(raw);
    if (known !== undefined) return known;
    constraints ??= constraintTokens(args.constraints);
    const text = render(raw, args, constraints);
    // A message function may put the client's value in its raw message: keep short ones only.
    if (rendered.size < RENDERED_MESSAGES && typeof raw === 'string' && raw.length <= RENDERED_LENGTH)
      rendered.set(raw, text);
    return text;
  };
}
