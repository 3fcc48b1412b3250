// Which DTO instances a `classValidatorSchema` validator produced, so that a later pipe can hand
// them on as they are. A private field stamped on the instance: invisible to reflection (no key,
// no symbol), impossible to forge from a message, and much cheaper than a WeakSet entry per
// message. An instance that refuses the field (sealed by its constructor) is kept in a WeakSet.

/** A base class whose constructor returns its argument: a subclass's fields land on that object. */
// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- the constructor's return is its purpose
class ReturnsItsArgument {
  constructor(instance: object) {
    return instance;
  }
}

/** Stamps its private field on the object passed to its constructor (returned in its place). */
class ValidatedMark extends ReturnsItsArgument {
  /** Never read: its presence is the mark. */
  readonly #validated = true;

  static has(value: object): boolean {
    return #validated in value;
  }
}

const sealedInstances = new WeakSet<object>();

/** Marks a DTO instance as validated. */
export function markValidated(instance: object): void {
  if (ValidatedMark.has(instance)) return;
  try {
    new ValidatedMark(instance);
  } catch {
    sealedInstances.add(instance);
  }
}

/** Whether `value` is a DTO instance a `classValidatorSchema` validator produced (validated already). */
export function isValidatedDto(value: unknown): boolean {
  return (
    value !== null && typeof value === 'object' && (ValidatedMark.has(value) || sealedInstances.has(value))
  );
}
