import { systemClock, type Clock } from './clock.js';
import { CloseCode } from './close-codes.js';
import { DEFAULTS } from './defaults.js';
import { WsGateConfigError } from './errors.js';
import { MESSAGE_ERRORS, type MessageError } from './message-errors.js';
import { optionsObject, positiveInteger } from './option-checks.js';
import { checkUntrustedValue, parseUntrustedJson } from './safe-json.js';
import { TokenBucket, type RateLimit } from './token-bucket.js';

/** Frame data as `ws` delivers it. */
export type RawFrame = string | Buffer | ArrayBuffer | readonly Buffer[];

/** Limits every inbound frame is held to, before routing. */
export interface FrameLimits {
  /** Largest accepted frame in bytes; also the socket's `maxPayload`. @default 16_384 */
  maxBytes?: number;
  /** Per-connection token bucket, or `false` to disable. @default { burst: 40, perSecond: 20 } */
  rateLimit?: RateLimit | false;
  /** Deepest accepted nesting of arrays/objects. @default 32 */
  maxDepth?: number;
  /** Time source, for tests. @default Date.now */
  clock?: Clock;
}

/** {@link FrameLimits}, resolved. */
export interface ResolvedFrameLimits {
  readonly maxBytes: number;
  readonly rateLimit: RateLimit | false;
  readonly maxDepth: number;
  readonly clock: Clock;
}

/** Result of checking one frame. */
export type FrameCheck =
  | { readonly ok: true; readonly value: unknown }
  /** Refused, the socket stays open: report `error`. */
  | { readonly ok: false; readonly action: 'reply'; readonly error: MessageError }
  /** Refused, the socket closes with `closeCode`. */
  | { readonly ok: false; readonly action: 'close'; readonly closeCode: number; readonly reason: string };

/** Reads, defaults and validates {@link FrameLimits}. */
export function resolveFrameLimits(input: FrameLimits | undefined): ResolvedFrameLimits {
  const options = optionsObject('messages', input);
  const rateLimit = options.rateLimit ?? DEFAULTS.messageRateLimit;
  if (
    rateLimit !== false &&
    (rateLimit === null ||
      typeof rateLimit !== 'object' ||
      !(rateLimit.burst >= 1) ||
      !Number.isFinite(rateLimit.burst) ||
      !(rateLimit.perSecond > 0) ||
      !Number.isFinite(rateLimit.perSecond))
  ) {
    throw new WsGateConfigError('rateLimit needs burst >= 1 and perSecond > 0, or false');
  }
  return Object.freeze({
    maxBytes: positiveInteger('maxBytes', options.maxBytes, DEFAULTS.maxMessageBytes),
    rateLimit:
      rateLimit === false ? false : Object.freeze({ burst: rateLimit.burst, perSecond: rateLimit.perSecond }),
    maxDepth: positiveInteger('maxDepth', options.maxDepth, DEFAULTS.maxJsonDepth),
    clock: options.clock ?? systemClock,
  });
}

function byteLength(data: RawFrame): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (Buffer.isBuffer(data)) return data.length;
  return (data as readonly Buffer[]).reduce((total, chunk) => total + chunk.length, 0);
}

function toText(data: RawFrame): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.concat(data as Buffer[]).toString('utf8');
}

const BINARY = {
  ok: false,
  action: 'close',
  closeCode: CloseCode.UnsupportedData,
  reason: 'binary frames are not accepted',
} as const;
const TOO_BIG = {
  ok: false,
  action: 'close',
  closeCode: CloseCode.MessageTooBig,
  reason: 'message too big',
} as const;
const RATE_LIMITED = {
  ok: false,
  action: 'close',
  closeCode: CloseCode.RateLimited,
  reason: 'rate limit exceeded',
} as const;

/** The frame checks of one connection: it owns that connection's token bucket. */
export interface FrameChecker {
  /**
   * Binary → close 1003; larger than `maxBytes` → close 1009; over the token bucket → close
   * 4429; not JSON, poisoned (`__proto__`, `constructor.prototype`) or too deep → `BAD_JSON`.
   * Never throws.
   */
  check(data: RawFrame, isBinary: boolean): FrameCheck;
  /** Takes one token of the bucket (for frames already decoded elsewhere, e.g. Socket.IO events). */
  takeToken(): boolean;
}

/** The frame checks of one connection (one object per connection: its limits and its bucket). */
class ConnectionFrameChecker implements FrameChecker {
  readonly #limits: ResolvedFrameLimits;
  readonly #bucket: TokenBucket | undefined;

  constructor(limits: ResolvedFrameLimits) {
    this.#limits = limits;
    this.#bucket = limits.rateLimit === false ? undefined : new TokenBucket(limits.rateLimit, limits.clock);
  }

  takeToken(): boolean {
    return this.#bucket === undefined || this.#bucket.tryTake();
  }

  check(data: RawFrame, isBinary: boolean): FrameCheck {
    if (isBinary) return BINARY;
    if (byteLength(data) > this.#limits.maxBytes) return TOO_BIG;
    if (!this.takeToken()) return RATE_LIMITED;
    const parsed = parseUntrustedJson(toText(data), this.#limits.maxDepth);
    if (parsed.ok) return { ok: true, value: parsed.value };
    return { ok: false, action: 'reply', error: unsafeJsonError(parsed.reason) };
  }
}

/** A {@link FrameChecker} for one new connection. */
export function createFrameChecker(limits: ResolvedFrameLimits): FrameChecker {
  return new ConnectionFrameChecker(limits);
}

function unsafeJsonError(reason: 'syntax' | 'prototype_poisoning' | 'too_deep'): MessageError {
  if (reason === 'prototype_poisoning') return MESSAGE_ERRORS.poisonedJson;
  return reason === 'too_deep' ? MESSAGE_ERRORS.tooDeep : MESSAGE_ERRORS.badJson;
}

/**
 * The JSON rules of {@link FrameChecker.check} for a message a transport decoded itself
 * (Socket.IO parses events with `JSON.parse`): `BAD_JSON` for a `__proto__` or
 * `constructor.prototype` key anywhere, or nesting deeper than `maxDepth`; `undefined` when the
 * value is safe. Never throws.
 */
export function checkDecodedValue(value: unknown, maxDepth: number): MessageError | undefined {
  const checked = checkUntrustedValue(value, maxDepth);
  return checked.ok ? undefined : unsafeJsonError(checked.reason);
}
