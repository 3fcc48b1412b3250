import { systemClock, type Clock } from './clock.js';
import { CloseCode } from './close-codes.js';
import { WsGateConfigError } from './errors.js';
import { parseUntrustedJson } from './safe-json.js';
import { TokenBucket, type RateLimit } from './token-bucket.js';
import type { ValidatedType, ValidationIssue, Validator } from './validator.js';

/** Codes of error frames that keep the socket open. */
export type MessageErrorCode = 'BAD_JSON' | 'VALIDATION_FAILED' | (string & {});

/** The error frame sent to the client for a refused message. No stack, no echo of the input. */
export interface ErrorFrame {
  readonly type: 'error';
  readonly code: MessageErrorCode;
  readonly message: string;
  readonly issues?: readonly ValidationIssue[];
}

/** Builds an {@link ErrorFrame}; use it for your own refusals (`NOT_IN_ROOM`, `FORBIDDEN`, ...). */
export function errorFrame(
  code: MessageErrorCode,
  message: string,
  issues?: readonly ValidationIssue[],
): ErrorFrame {
  return issues === undefined || issues.length === 0
    ? { type: 'error', code, message }
    : { type: 'error', code, message, issues };
}

/** Map of message `type` to the validator of the whole message (its `type` included). */
export type MessageSchemas = Readonly<Record<string, Validator<unknown>>>;

/** The union of validated messages a set of schemas admits. */
export type MessageOf<S extends MessageSchemas> = { [K in keyof S]: ValidatedType<S[K]> }[keyof S];

/** Options of {@link createMessageGuard}. */
export interface MessageGuardOptions<S extends MessageSchemas> {
  /** Validators by message type. Types not listed are refused (`VALIDATION_FAILED`). */
  schemas: S;
  /** Largest accepted frame in bytes; also the socket's `maxPayload`. @default 16_384 */
  maxBytes?: number;
  /** Per-connection token bucket, or `false` to disable. @default { burst: 40, perSecond: 20 } */
  rateLimit?: RateLimit | false;
  /** Deepest accepted nesting of arrays/objects. @default 32 */
  maxDepth?: number;
  /** Time source, for tests. @default Date.now */
  clock?: Clock;
}

/** Frame data as `ws` delivers it. */
export type RawFrame = string | Buffer | ArrayBuffer | readonly Buffer[];

/** Result of checking one inbound frame. */
export type MessageCheck<M> =
  | { readonly ok: true; readonly message: M }
  /** Refused, socket stays open: send `reply`. */
  | { readonly ok: false; readonly action: 'reply'; readonly reply: ErrorFrame }
  /** Refused, socket must close with `closeCode`. */
  | { readonly ok: false; readonly action: 'close'; readonly closeCode: number; readonly reason: string };

/** The guard of one connection (it owns that connection's rate limit). */
export interface ConnectionMessageGuard<M> {
  /** Checks one inbound frame. Never throws. */
  check(data: RawFrame, isBinary: boolean): MessageCheck<M>;
}

/** A compiled message guard, shared by every connection of a route. */
export interface MessageGuard<M> {
  /** Largest accepted frame: set it as the socket's `maxPayload`. */
  readonly maxBytes: number;
  /** A guard for one new connection. */
  forConnection(): ConnectionMessageGuard<M>;
}

interface MessageGuardConfig<S extends MessageSchemas> {
  readonly schemas: S;
  readonly maxBytes: number;
  readonly rateLimit: RateLimit | false;
  readonly maxDepth: number;
  readonly clock: Clock;
}

function resolveMessageGuardOptions<S extends MessageSchemas>(
  options: MessageGuardOptions<S>,
): MessageGuardConfig<S> {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('message guard options are required');
  const { schemas } = options;
  if (schemas === null || typeof schemas !== 'object' || Object.keys(schemas).length === 0) {
    throw new WsGateConfigError('schemas must map at least one message type to a validator');
  }
  for (const [type, validator] of Object.entries(schemas)) {
    if (validator === null || typeof validator !== 'object' || typeof validator.validate !== 'function') {
      throw new WsGateConfigError(`schemas.${type} is not a Validator`);
    }
  }
  const maxBytes = options.maxBytes ?? 16_384;
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new WsGateConfigError('maxBytes must be a positive integer');
  const maxDepth = options.maxDepth ?? 32;
  if (!Number.isInteger(maxDepth) || maxDepth < 1)
    throw new WsGateConfigError('maxDepth must be a positive integer');
  const rateLimit = options.rateLimit ?? { burst: 40, perSecond: 20 };
  if (
    rateLimit !== false &&
    (!(rateLimit.burst >= 1) ||
      !Number.isFinite(rateLimit.burst) ||
      !(rateLimit.perSecond > 0) ||
      !Number.isFinite(rateLimit.perSecond))
  ) {
    throw new WsGateConfigError('rateLimit needs burst >= 1 and perSecond > 0, or false');
  }
  return Object.freeze({
    schemas,
    maxBytes,
    rateLimit: rateLimit === false ? false : Object.freeze({ ...rateLimit }),
    maxDepth,
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

const BAD_JSON = errorFrame('BAD_JSON', 'message is not valid JSON');
const POISONED_JSON = errorFrame(
  'BAD_JSON',
  'message contains a forbidden key (__proto__ or constructor.prototype)',
);
const TOO_DEEP = errorFrame('BAD_JSON', 'message nests too deeply');
const NOT_A_MESSAGE = errorFrame('VALIDATION_FAILED', 'message must be a JSON object with a string "type"', [
  { path: '/type', message: 'must be a string' },
]);
const UNKNOWN_TYPE = errorFrame('VALIDATION_FAILED', 'unknown message type', [
  { path: '/type', message: 'is not a known message type' },
]);

/**
 * Creates the message guard: turns a raw inbound frame into a typed message or a typed
 * refusal. Binary → close 1003; larger than `maxBytes` → close 1009; over the connection's
 * token bucket → close 4429; bad or poisoned JSON → `BAD_JSON`; not an object with a known
 * string `type`, or failing its schema → `VALIDATION_FAILED`.
 *
 * @example
 * const guard = createMessageGuard({ schemas: { whoami: jsonSchemaValidator(Type.Object({ type: Type.Literal('whoami') })) } });
 * const connection = guard.forConnection();
 * socket.on('message', (data, isBinary) => { const result = connection.check(data, isBinary); ... });
 */
export function createMessageGuard<S extends MessageSchemas>(
  options: MessageGuardOptions<S>,
): MessageGuard<MessageOf<S>> {
  const config = resolveMessageGuardOptions(options);
  const { schemas, maxBytes, maxDepth, clock } = config;

  function forConnection(): ConnectionMessageGuard<MessageOf<S>> {
    const bucket = config.rateLimit === false ? undefined : new TokenBucket(config.rateLimit, clock);
    return {
      check(data: RawFrame, isBinary: boolean): MessageCheck<MessageOf<S>> {
        if (isBinary)
          return {
            ok: false,
            action: 'close',
            closeCode: CloseCode.UnsupportedData,
            reason: 'binary frames are not accepted',
          };
        if (byteLength(data) > maxBytes)
          return {
            ok: false,
            action: 'close',
            closeCode: CloseCode.MessageTooBig,
            reason: 'message too big',
          };
        if (bucket !== undefined && !bucket.tryTake()) {
          return {
            ok: false,
            action: 'close',
            closeCode: CloseCode.RateLimited,
            reason: 'rate limit exceeded',
          };
        }
        const parsed = parseUntrustedJson(toText(data), maxDepth);
        if (!parsed.ok) {
          const reply =
            parsed.reason === 'prototype_poisoning'
              ? POISONED_JSON
              : parsed.reason === 'too_deep'
                ? TOO_DEEP
                : BAD_JSON;
          return { ok: false, action: 'reply', reply };
        }
        const value = parsed.value;
        if (value === null || typeof value !== 'object' || Array.isArray(value))
          return { ok: false, action: 'reply', reply: NOT_A_MESSAGE };
        const type: unknown = (value as Record<string, unknown>)['type'];
        if (typeof type !== 'string') return { ok: false, action: 'reply', reply: NOT_A_MESSAGE };
        if (!Object.hasOwn(schemas, type)) return { ok: false, action: 'reply', reply: UNKNOWN_TYPE };
        const validator = schemas[type] as Validator<unknown>;
        let result: ReturnType<Validator<unknown>['validate']>;
        try {
          result = validator.validate(value);
        } catch {
          result = { ok: false, issues: [] };
        }
        if (!result.ok) {
          return {
            ok: false,
            action: 'reply',
            reply: errorFrame('VALIDATION_FAILED', `invalid "${type}" message`, result.issues),
          };
        }
        return { ok: true, message: result.value as MessageOf<S> };
      },
    };
  }

  return Object.freeze({ maxBytes, forConnection });
}
