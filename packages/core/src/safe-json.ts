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

/** Result of {@link checkUntrustedValue}. */
export type SafeValueResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'prototype_poisoning' | 'too_deep' };

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

/**
 * Nesting depth of arrays/objects in an already-parsed value (what {@link exceedsJsonDepth}
 * measures in text), stopping as soon as it passes `limit`. Binary values are leaves.
 */
export function exceedsValueDepth(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object' || isBinary(node)) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Checks a value a transport already parsed with `JSON.parse` (Socket.IO decodes events itself)
 * by the rules of {@link parseUntrustedJson}: refuses nesting deeper than `maxDepth`, and
 * `__proto__` and `constructor.prototype` keys anywhere (never strips them). Never throws.
 */
export function checkUntrustedValue(value: unknown, maxDepth: number): SafeValueResult {
  if (exceedsValueDepth(value, maxDepth)) return { ok: false, reason: 'too_deep' };
  if (value === null || typeof value !== 'object') return { ok: true };
  const scanned: unknown = secureJson.scan(value as Record<string, unknown>, {
    protoAction: 'error',
    constructorAction: 'error',
    safe: true,
  });
  return scanned === null ? { ok: false, reason: 'prototype_poisoning' } : { ok: true };
}
