import { messageError, type DecodeResult, type EnvelopeCodec, type MessageError } from '@wsgate/core';

const NOT_AN_EVENT = messageError('VALIDATION_FAILED', 'an event needs a string name', [
  { path: '/0', message: 'must be a string' },
]);
const EXTRA_ARGUMENT = messageError('VALIDATION_FAILED', 'an event carries one payload argument', [
  { path: '/2', message: 'is not an accepted argument' },
]);

/**
 * A Socket.IO event as the router sees it: the argument list `[name, payload]` (the
 * acknowledgement callback taken off), so that issues point into the event as sent (`/0` is the
 * name, `/1/room` a field of the payload, `/2` an extra argument). An event carries exactly one
 * payload argument; without one, its payload is `undefined` (its schema decides).
 */
export const socketIoEnvelope: EnvelopeCodec = Object.freeze({
  name: 'socket.io',
  namePath: '/0',
  payloadPath: '/1',
  decode(frame: unknown): DecodeResult {
    if (!Array.isArray(frame) || typeof frame[0] !== 'string') return { ok: false, error: NOT_AN_EVENT };
    if (frame.length > 2) return { ok: false, error: EXTRA_ARGUMENT };
    return { ok: true, name: frame[0], payload: frame[1] as unknown };
  },
  encodeError: (error: MessageError): unknown => error,
  /** No payload argument, `null` or `{}`: what an event without a body may carry. */
  isEmptyPayload: (payload: unknown): boolean =>
    payload === undefined ||
    payload === null ||
    (typeof payload === 'object' && !Array.isArray(payload) && Object.keys(payload).length === 0),
});
