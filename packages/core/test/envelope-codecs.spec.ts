import { describe, expect, it } from 'vitest';
import { createWsGate, emptyPayloadValidator, eventEnvelope, typeEnvelope } from '../src/index.js';

describe('typeEnvelope', () => {
  it('names a message by its "type" and passes the whole object as payload', () => {
    expect(typeEnvelope.decode({ type: 'join', room: 'a' })).toEqual({
      ok: true,
      name: 'join',
      payload: { type: 'join', room: 'a' },
    });
  });

  it.each([[null], [[]], ['join'], [{}], [{ type: 1 }]])('refuses %j as not an envelope', (frame) => {
    expect(typeEnvelope.decode(frame)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('writes errors as { type: "error", code, message }', () => {
    expect(typeEnvelope.encodeError({ code: 'FORBIDDEN', message: 'forbidden' })).toEqual({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'forbidden',
    });
  });

  it('takes only { type } as an empty payload', () => {
    const empty = emptyPayloadValidator(typeEnvelope);
    expect(empty.validate({ type: 'whoami' })).toEqual({ ok: true, value: { type: 'whoami' } });
    expect(empty.validate({ type: 'whoami', user: 'mallory' })).toEqual({
      ok: false,
      issues: [{ path: '', message: 'must not have additional properties' }],
    });
  });
});

describe('eventEnvelope', () => {
  it('names a message by its "event" and passes "data" as payload', () => {
    expect(eventEnvelope.decode({ event: 'chat', data: { text: 'hi' } })).toEqual({
      ok: true,
      name: 'chat',
      payload: { text: 'hi' },
    });
    expect(eventEnvelope.decode({ event: 'ping' })).toEqual({ ok: true, name: 'ping', payload: undefined });
  });

  it('refuses a top-level key besides event and data', () => {
    expect(eventEnvelope.decode({ event: 'chat', data: {}, user: 'mallory' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
  });

  it('writes errors as { event: "exception", data: { code, message } }', () => {
    expect(eventEnvelope.encodeError({ code: 'FORBIDDEN', message: 'forbidden' })).toEqual({
      event: 'exception',
      data: { code: 'FORBIDDEN', message: 'forbidden' },
    });
  });

  it('takes no data, null or {} as an empty payload, and refuses anything else at /data', () => {
    const empty = emptyPayloadValidator(eventEnvelope);
    for (const payload of [undefined, null, {}]) expect(empty.validate(payload)).toMatchObject({ ok: true });
    // Relative to the payload, as every validator's issues: the router prefixes `/data`.
    for (const payload of [{ user: 'mallory' }, 'x', 0, []])
      expect(empty.validate(payload)).toEqual({
        ok: false,
        issues: [{ path: '', message: 'must not have additional properties' }],
      });
    const router = createWsGate({ origins: { allow: 'https://app.example.com' } }).createRouter(
      { ping: { validator: empty, handle: () => undefined } },
      eventEnvelope,
    );
    expect(router.resolve('ping', { user: 'mallory' }, { claims: {} })).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'invalid "ping" message',
        issues: [{ path: '/data', message: 'must not have additional properties' }],
      },
    });
  });
});
