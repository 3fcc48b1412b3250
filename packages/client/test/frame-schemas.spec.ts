// Unit tests of server-frame schemas with hand-made Standard Schemas and a fake socket: the
// edge cases a real library rarely produces (a schema that throws, answers with a Promise, or
// returns a value of another type), and the checks connect() makes on the `schemas` option.
import { describe, expect, it } from 'vitest';
import { checkFrame, resolveSchemas } from '../src/frame-schemas.js';
import {
  connect,
  type ConnectOptions,
  type StandardSchemaV1,
  type StandardSchemaV1Result,
  type WsGateClientError,
} from '../src/index.js';
import { fakeStack } from './support/fakes.js';
import { once } from './support/helpers.js';

/** A Standard Schema whose `validate` is `validate`. */
function schema<Output extends { type: string }>(
  validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>,
): StandardSchemaV1<unknown, Output> {
  return { '~standard': { version: 1, vendor: 'test', validate } };
}

/** Accepts any frame with the right `type`, and returns a copy with `checked: true`. */
function accepting<T extends string>(type: T): StandardSchemaV1<unknown, { type: T; checked: true }> {
  return schema<{ type: T; checked: true }>((value) =>
    (value as { type?: unknown }).type === type
      ? { value: { ...(value as object), type, checked: true } }
      : { issues: [{ message: 'wrong type' }] },
  );
}

const frame = (type: string, rest: Record<string, unknown> = {}) => ({ type, ...rest });

describe('checkFrame', () => {
  const schemas = (entries: Record<string, StandardSchemaV1>) => new Map(Object.entries(entries));

  it("delivers the schema's output, not the parsed frame", () => {
    const result = checkFrame(schemas({ chat: accepting('chat') }), frame('chat', { text: 'hi' }));
    expect(result).toEqual({ ok: true, message: { type: 'chat', text: 'hi', checked: true } });
  });

  it('refuses a frame with issues, and one whose type has no schema', () => {
    const failing = schema(() => ({ issues: [{ message: 'bad', path: ['text'] }] }));
    expect(checkFrame(schemas({ chat: failing }), frame('chat'))).toMatchObject({
      ok: false,
      error: { code: 'WSGATE_CLIENT_FRAME_INVALID' },
    });
    expect(checkFrame(schemas({ chat: accepting('chat') }), frame('joined'))).toMatchObject({
      ok: false,
      error: {
        code: 'WSGATE_CLIENT_FRAME_TYPE_UNKNOWN',
        message: 'inbound frame dropped: no schema for its type',
      },
    });
  });

  it('a schema that throws: the frame is dropped as invalid, the thrown value is not kept', () => {
    const throwing = schema(() => {
      throw new Error('quoting the frame: hunter2');
    });
    const result = checkFrame(schemas({ chat: throwing }), frame('chat', { password: 'hunter2' }));
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'WSGATE_CLIENT_FRAME_INVALID',
        message: 'inbound "chat" frame dropped: its schema threw',
      },
    });
    expect(!result.ok && result.error.cause).toBeUndefined();
  });

  it('a Promise (even one that rejects) is a configuration error, and its rejection is handled', async () => {
    const rejecting = schema(() => Promise.reject(new Error('async failure')));
    const result = checkFrame(schemas({ chat: rejecting }), frame('chat'));
    expect(result).toMatchObject({ ok: false, error: { code: 'WSGATE_CLIENT_INVALID_OPTION' } });
    // an unhandled rejection would fail this test run
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it("an output that is not an object of the frame's type is a configuration error", () => {
    const cases = [
      schema(() => ({ value: { type: 'welcome' } })),
      schema(() => ({ value: 'chat' as never })),
      schema(() => ({ value: null as never })),
    ];
    for (const wrong of cases) {
      expect(checkFrame(schemas({ chat: wrong }), frame('chat'))).toMatchObject({
        ok: false,
        error: {
          code: 'WSGATE_CLIENT_INVALID_OPTION',
          message: 'the schema of "chat" returned a value without type "chat"',
        },
      });
    }
  });
});

describe('the schemas option', () => {
  const base: ConnectOptions = {
    ticketUrl: 'http://127.0.0.1:1/ticket',
    url: 'ws://127.0.0.1:1/ws',
    fetch: async () => new Response('', { status: 401 }),
    WebSocket: fakeStack().options.WebSocket,
  };

  it.each<[string, unknown]>([
    ['not an object', 'zod'],
    ['null', null],
    ['an array', [accepting('chat')]],
    ['empty', {}],
    ['a JSON Schema', { chat: { type: 'object', properties: {} } }],
    ['a validate() object', { chat: { validate: () => true } }],
    ['a Standard Schema of another version', { chat: { '~standard': { version: 2, validate: () => ({}) } } }],
    ['a missing schema', { chat: undefined }],
  ])('refuses %s with WSGATE_CLIENT_INVALID_OPTION', (_name, schemas) => {
    expect(() => connect({ ...base, schemas } as ConnectOptions)).toThrow(
      expect.objectContaining({ code: 'WSGATE_CLIENT_INVALID_OPTION' }),
    );
  });

  it('takes own keys only: an inherited schema never matches a frame type', () => {
    const schemas = Object.create({ chat: accepting('chat') }) as Record<string, StandardSchemaV1>;
    schemas['welcome'] = accepting('welcome');
    expect([...resolveSchemas(schemas)!.keys()]).toEqual(['welcome']);
  });

  it('tries each schema once at connect(): a Promise is refused then (its rejection handled), a throw is left for the frames', async () => {
    const calls: unknown[] = [];
    const throwing = schema(() => {
      calls.push('throwing');
      throw new Error('nope');
    });
    expect(resolveSchemas({ chat: throwing })?.size).toBe(1);
    expect(calls).toEqual(['throwing']);
    const rejecting = schema(() => Promise.reject(new Error('later')));
    expect(() => resolveSchemas({ welcome: accepting('welcome'), chat: rejecting })).toThrow(
      expect.objectContaining({
        code: 'WSGATE_CLIENT_INVALID_OPTION',
        message: 'the schema of "chat" validated asynchronously: server frame schemas must be synchronous',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});

describe('the client with schemas (fake socket)', () => {
  it('hands the very object the schema returned to every handler; drops the rest; stays open', async () => {
    const stack = fakeStack();
    const outputs: unknown[] = [];
    const chat = schema<{ type: 'chat'; text: string }>((value) => {
      const v = value as { type: string; text?: unknown };
      if (typeof v.text !== 'string') return { issues: [{ message: 'text must be a string' }] };
      const output = { type: 'chat' as const, text: v.text.toUpperCase() };
      outputs.push(output);
      return { value: output };
    });
    const client = connect({ ...stack.options, schemas: { chat } });
    const seen: unknown[] = [];
    const errors: WsGateClientError[] = [];
    client.on('chat', (message) => seen.push(message));
    client.on('message', (message) => seen.push(message));
    client.on('error', (error) => errors.push(error));
    const socket = await stack.openNext();

    socket.receive('{"type":"chat","text":"hi"}');
    socket.receive('{"type":"chat","text":5}');
    socket.receive('{"type":"joined"}');
    socket.receive('not json');

    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(outputs[0]);
    expect(seen[1]).toBe(outputs[0]);
    expect(seen[0]).toEqual({ type: 'chat', text: 'HI' });
    expect(errors.map((e) => e.code)).toEqual([
      'WSGATE_CLIENT_FRAME_INVALID',
      'WSGATE_CLIENT_FRAME_TYPE_UNKNOWN',
      'WSGATE_CLIENT_MALFORMED_FRAME',
    ]);
    expect(client.state).toBe('open');
    expect(stack.sockets).toHaveLength(1);
    const stopped = once(client, 'stopped');
    client.close();
    await stopped;
  });
});
