// What core offers transports that decode messages themselves (Socket.IO): the JSON rules on an
// already-parsed value, and handler runs whose outcome the transport answers in its own way.
import { describe, expect, it } from 'vitest';
import {
  checkDecodedValue,
  checkUntrustedValue,
  MESSAGE_ERRORS,
  MessageRejection,
  runMessageHandler,
  TicketStoreUnavailableError,
  WsGateConfigError,
} from '../src/index.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { next: value };
  return value;
}

describe('checkUntrustedValue / checkDecodedValue', () => {
  it.each([
    ['a __proto__ key', '{"room":"a","__proto__":{"admin":true}}'],
    ['a nested __proto__ key', '[{"a":[{"__proto__":{"x":1}}]}]'],
    ['constructor.prototype', '{"constructor":{"prototype":{"admin":true}}}'],
  ])('refuses %s as BAD_JSON (prototype poisoning), as the frame check does', (_name, text) => {
    const value: unknown = JSON.parse(text);
    expect(checkUntrustedValue(value, 32)).toEqual({ ok: false, reason: 'prototype_poisoning' });
    expect(checkDecodedValue(value, 32)).toEqual(MESSAGE_ERRORS.poisonedJson);
    // The value is left as it was: refused, never stripped.
    expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('accepts a constructor key that is not an object with a prototype, and plain data', () => {
    expect(checkDecodedValue({ constructor: 'x', room: 'a' }, 32)).toBeUndefined();
    expect(checkDecodedValue(['chat', { room: 'a', text: 'hi' }], 32)).toBeUndefined();
    expect(checkDecodedValue('text', 32)).toBeUndefined();
    expect(checkDecodedValue(null, 32)).toBeUndefined();
  });

  it('measures depth as the text check does: at the limit passes, one more is refused', () => {
    expect(checkDecodedValue(nested(4), 4)).toBeUndefined();
    expect(checkDecodedValue(nested(5), 4)).toEqual(MESSAGE_ERRORS.tooDeep);
    expect(checkUntrustedValue(nested(5), 4)).toEqual({ ok: false, reason: 'too_deep' });
  });

  it('counts binary values as leaves', () => {
    expect(checkDecodedValue([{ file: Buffer.alloc(64) }], 2)).toBeUndefined();
    expect(checkDecodedValue([new Uint8Array(8).buffer], 1)).toBeUndefined();
  });
});

describe('runMessageHandler', () => {
  const run = (handle: (payload: unknown, context: string) => unknown) =>
    runMessageHandler({ handle }, { n: 1 }, 'ctx');

  it('answers synchronously with what a synchronous handler returns', () => {
    expect(run((payload, context) => ({ payload, context }))).toEqual({
      kind: 'value',
      value: { payload: { n: 1 }, context: 'ctx' },
    });
  });

  it('answers through a promise for an asynchronous handler', async () => {
    const outcome = run(async () => 'later');
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).resolves.toEqual({ kind: 'value', value: 'later' });
  });

  it('turns a MessageRejection into its error, thrown or rejected', async () => {
    const rejection = new MessageRejection('NOT_IN_ROOM', 'join the room first');
    expect(
      run(() => {
        throw rejection;
      }),
    ).toEqual({ kind: 'rejected', error: rejection.error });
    await expect(run(() => Promise.reject(rejection))).resolves.toEqual({
      kind: 'rejected',
      error: rejection.error,
    });
  });

  it('turns a WsGateError with status 503 (a store out of reach) into SERVICE_UNAVAILABLE, cause kept', async () => {
    const outage = new TicketStoreUnavailableError();
    expect(
      run(() => {
        throw outage;
      }),
    ).toEqual({ kind: 'failed', error: MESSAGE_ERRORS.unavailable, cause: outage });
    await expect(run(() => Promise.reject(outage))).resolves.toEqual({
      kind: 'failed',
      error: MESSAGE_ERRORS.unavailable,
      cause: outage,
    });
    // Other @wsgate errors are faults like any other.
    expect(
      run(() => {
        throw new WsGateConfigError('bad option');
      }),
    ).toMatchObject({ kind: 'failed', error: MESSAGE_ERRORS.internal });
  });

  it('turns any other throw into INTERNAL_ERROR with the cause kept for the log', async () => {
    const fault = new TypeError('bug');
    expect(
      run(() => {
        throw fault;
      }),
    ).toEqual({ kind: 'failed', error: MESSAGE_ERRORS.internal, cause: fault });
    await expect(run(() => Promise.reject(fault))).resolves.toEqual({
      kind: 'failed',
      error: MESSAGE_ERRORS.internal,
      cause: fault,
    });
  });
});
