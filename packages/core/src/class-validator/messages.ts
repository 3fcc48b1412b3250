// The message of a failed decorator: its `message` option or its constraint's default message,
// with class-validator's tokens replaced, never the client's value. Built only for a failure.
import type { ValidationArguments } from 'class-validator';
import type { ConstraintInstance, DecoratorMetadata } from './metadata.js';

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

/** The message of `metadata` failing with `instance` (its constraint) on `args`. */
export function messageOf(
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
