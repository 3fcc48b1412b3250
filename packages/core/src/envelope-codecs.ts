import { messageError, notAnEnvelope, type MessageError } from './message-errors.js';
import type { Validator } from './validator.js';

/** A message split into its name (the route) and its payload (what the route's schema checks). */
export interface DecodedEnvelope {
  readonly ok: true;
  readonly name: string;
  readonly payload: unknown;
}

/** Result of {@link EnvelopeCodec.decode}. */
export type DecodeResult = DecodedEnvelope | { readonly ok: false; readonly error: MessageError };

/**
 * How messages are wrapped on the wire: where the name is, what the payload is, and how errors
 * and replies are written. The router is the same for every envelope; only the codec differs.
 */
export interface EnvelopeCodec {
  /** `'type'` or `'event'` for the built-in ones. */
  readonly name: string;
  /** JSON Pointer of the message name in a frame, for issues (`/type`, `/event`). */
  readonly namePath: string;
  /** JSON Pointer of the payload in a frame: prefixed to the payload's issue paths (`''`, `/data`). */
  readonly payloadPath: string;
  /** Splits a parsed frame into name and payload, or refuses it. Never throws. */
  decode(frame: unknown): DecodeResult;
  /** The frame that reports `error` to the client (serialised by the caller). */
  encodeError(error: MessageError): unknown;
  /** Whether a decoded payload carries nothing beyond the name (what a message without a body may be). */
  isEmptyPayload(payload: unknown): boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `{ "type": "join", "room": "lobby" }`: the name is `type`, the payload is the whole message
 * (its schema declares `type` too). Errors: `{ "type": "error", code, message, issues? }`.
 * The demo protocol's envelope and @wsgate/fastify's default.
 */
export const typeEnvelope: EnvelopeCodec = Object.freeze({
  name: 'type',
  namePath: '/type',
  payloadPath: '',
  decode(frame: unknown): DecodeResult {
    if (!isRecord(frame) || typeof frame['type'] !== 'string')
      return { ok: false, error: notAnEnvelope('/type', 'a JSON object with a string "type"') };
    return { ok: true, name: frame['type'], payload: frame };
  },
  encodeError(error: MessageError): unknown {
    return { type: 'error', ...error };
  },
  isEmptyPayload(payload: unknown): boolean {
    return isRecord(payload) && Object.keys(payload).every((key) => key === 'type');
  },
});

/**
 * NestJS's own `{ "event": "chat", "data": { ... } }`: the name is `event`, the payload is
 * `data` (absent: `undefined`); any other top-level key is refused. Errors:
 * `{ "event": "exception", "data": { code, message, issues? } }`. @wsgate/nestjs's default, so
 * that a client of Nest's `WsAdapter` needs no change.
 */
export const eventEnvelope: EnvelopeCodec = Object.freeze({
  name: 'event',
  namePath: '/event',
  payloadPath: '/data',
  decode(frame: unknown): DecodeResult {
    if (!isRecord(frame) || typeof frame['event'] !== 'string')
      return { ok: false, error: notAnEnvelope('/event', 'a JSON object with a string "event"') };
    for (const key of Object.keys(frame)) {
      if (key !== 'event' && key !== 'data') {
        return {
          ok: false,
          error: messageError('VALIDATION_FAILED', 'message must be { "event", "data" }', [
            { path: '', message: 'must not have additional properties' },
          ]),
        };
      }
    }
    return { ok: true, name: frame['event'], payload: frame['data'] };
  },
  encodeError(error: MessageError): unknown {
    return { event: 'exception', data: error };
  },
  isEmptyPayload(payload: unknown): boolean {
    return (
      payload === undefined || payload === null || (isRecord(payload) && Object.keys(payload).length === 0)
    );
  },
});

/**
 * The validator of a message that takes no body (a Nest handler without `@MessageBody()`, an
 * event without arguments): its payload must be empty in the codec's terms, else
 * `VALIDATION_FAILED` ("must not have additional properties" at the payload itself: like any
 * validator's, its issue paths are relative to the payload, which the router prefixes with the
 * codec's `payloadPath`).
 */
export function emptyPayloadValidator(codec: EnvelopeCodec): Validator<unknown> {
  const refused = {
    ok: false,
    issues: [{ path: '', message: 'must not have additional properties' }],
  } as const;
  return { validate: (value) => (codec.isEmptyPayload(value) ? { ok: true, value } : refused) };
}
