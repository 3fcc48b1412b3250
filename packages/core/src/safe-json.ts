import secureJson from 'secure-json-parse';

/** Result of {@link parseUntrustedJson}. */
export type SafeJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'syntax' | 'prototype_poisoning' | 'too_deep' };

const OPEN = 0x5b; // [
const OPEN_BRACE = 0x7b; // {
const CLOSE = 0x5d; // ]
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

const FORBIDDEN_KEY = /^Object contains forbidden prototype property$/;

/** Nesting depth of arrays/objects in JSON text, stopping as soon as it passes `limit`. */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN || code === OPEN_BRACE) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === CLOSE || code === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * Parses untrusted JSON: refuses (never strips, never merges) `__proto__` and
 * `constructor.prototype` keys, and refuses nesting deeper than `maxDepth`. Never throws.
 */
export function parseUntrustedJson(text: string, maxDepth: number): SafeJsonResult {
  if (exceedsJsonDepth(text, maxDepth)) return { ok: false, reason: 'too_deep' };
  try {
    return {
      ok: true,
      value: secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }),
    };
  } catch (error) {
    // Only secure-json-parse's own refusal: V8's syntax errors quote the input, which may say "prototype".
    return {
      ok: false,
      reason:
        error instanceof SyntaxError && FORBIDDEN_KEY.test(error.message) ? 'prototype_poisoning' : 'syntax',
    };
  }
}
