/**
 * JSON Pointers for validation issues that never echo arbitrary client text: a path segment is
 * written only when it is a plain identifier (`^[A-Za-z_$][A-Za-z0-9_$]{0,63}$`) or an array
 * index; at the first segment that is neither, the path stops at its parent.
 */

const PLAIN_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/** Whether a property name is a plain identifier (what an issue may name). */
export function isPlainIdentifier(name: string): boolean {
  return PLAIN_IDENTIFIER.test(name);
}

/** Whether a property name may appear in an issue path (a plain identifier or an array index). */
export function isSafePathSegment(segment: string): boolean {
  return PLAIN_IDENTIFIER.test(segment) || ARRAY_INDEX.test(segment);
}

/** Builds a JSON Pointer from path segments, stopping before the first unsafe one. */
export function safePointer(segments: readonly (string | number)[]): string {
  let pointer = '';
  for (const segment of segments) {
    const text = String(segment);
    if (!isSafePathSegment(text)) break;
    pointer += `/${text}`;
  }
  return pointer;
}

/** Splits a JSON Pointer (as ajv writes `instancePath`) into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}
