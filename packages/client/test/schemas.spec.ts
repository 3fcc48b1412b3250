// Schemas for server frames, through real sockets: each Standard Schema library validates the
// frames of a real server; a frame that fails (or has no schema) is dropped and reported, never
// delivered, and the connection keeps serving the next frames.
import { inspect } from 'node:util';
import { type } from 'arktype';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkFrame } from '../src/frame-schemas.js';
import { connect, type ServerSchemas, type StandardSchemaV1, type WsGateClientError } from '../src/index.js';
import { WebSocket, fastReconnect, once, until } from './support/helpers.js';
import { startTicketServer, type TicketServer } from './support/ticket-server.js';

let server: TicketServer | undefined;
let close: (() => void) | undefined;
afterEach(async () => {
  close?.();
  await server?.stop();
  close = server = undefined;
});

/**
 * The same protocol in each library: `welcome` is the library's default object (its own policy
 * on unknown keys), `chat` refuses unknown keys, `tick` transforms, `error` is the server's
 * error frame (a reserved event name).
 */
const libraries = {
  zod: {
    welcome: z.object({ type: z.literal('welcome'), user: z.string() }),
    chat: z.strictObject({ type: z.literal('chat'), from: z.string(), text: z.string().max(20) }),
    tick: z.object({ type: z.literal('tick'), at: z.number().transform((ms) => new Date(ms)) }),
    error: z.object({ type: z.literal('error'), code: z.string() }),
  },
  valibot: {
    welcome: v.object({ type: v.literal('welcome'), user: v.string() }),
    chat: v.strictObject({
      type: v.literal('chat'),
      from: v.string(),
      text: v.pipe(v.string(), v.maxLength(20)),
    }),
    tick: v.object({
      type: v.literal('tick'),
      at: v.pipe(
        v.number(),
        v.transform((ms) => new Date(ms)),
      ),
    }),
    error: v.object({ type: v.literal('error'), code: v.string() }),
  },
  arktype: {
    welcome: type({ type: "'welcome'", user: 'string' }),
    chat: type({ '+': 'reject', type: "'chat'", from: 'string', text: 'string <= 20' }),
    tick: type({ type: "'tick'", at: type('number').pipe((ms) => new Date(ms)) }),
    error: type({ type: "'error'", code: 'string' }),
  },
} satisfies Record<string, ServerSchemas>;

/** What each library does with an unknown key on its default object: strip or keep. */
const unknownKeyPolicy = { zod: 'strips', valibot: 'strips', arktype: 'keeps' } as const;

async function open(schemas: (typeof libraries)[keyof typeof libraries]) {
  server ??= await startTicketServer();
  const client = connect({
    ticketUrl: server.ticketUrl,
    url: server.url,
    WebSocket,
    reconnect: fastReconnect,
    schemas,
  });
  close = () => client.close();
  const delivered: { via: string; message: unknown }[] = [];
  const errors: WsGateClientError[] = [];
  client.on('welcome', (message) => delivered.push({ via: 'welcome', message }));
  client.on('chat', (message) => delivered.push({ via: 'chat', message }));
  client.on('tick', (message) => delivered.push({ via: 'tick', message }));
  client.on('message', (message) => delivered.push({ via: 'message', message }));
  client.on('error', (error) => errors.push(error));
  await once(client, 'state', (state) => state === 'open');
  await until(() => server!.sockets.size === 1);
  /** Sends `frames`, then a marker frame, and waits until the marker arrived: every frame before it was handled. */
  const exchange = async (...frames: string[]): Promise<void> => {
    const marker = once(client, 'message', (m) => m.type === 'welcome' && m.user === 'marker');
    for (const frame of frames) server!.broadcast(frame);
    server!.broadcast('{"type":"welcome","user":"marker"}');
    await marker;
    const at = delivered.findIndex(
      (d) => d.via === 'welcome' && (d.message as { user: string }).user === 'marker',
    );
    delivered.splice(at, 2); // the marker's welcome and message entries
  };
  return { client, delivered, errors, exchange };
}

describe.each(Object.keys(libraries) as (keyof typeof libraries)[])('schemas with %s', (library) => {
  const schemas = libraries[library];

  it('valid frames reach on(type) and message handlers as the schema outputs them', async () => {
    const { delivered, errors, exchange } = await open(schemas);
    await exchange(
      '{"type":"chat","from":"bob","text":"hi"}',
      '{"type":"tick","at":1700000000000}',
      '{"type":"error","code":"NOT_IN_ROOM"}',
    );
    expect(errors).toEqual([]);
    expect(delivered).toEqual([
      { via: 'chat', message: { type: 'chat', from: 'bob', text: 'hi' } },
      { via: 'message', message: { type: 'chat', from: 'bob', text: 'hi' } },
      { via: 'tick', message: { type: 'tick', at: new Date(1_700_000_000_000) } },
      { via: 'message', message: { type: 'tick', at: new Date(1_700_000_000_000) } },
      // a reserved name: only message handlers
      { via: 'message', message: { type: 'error', code: 'NOT_IN_ROOM' } },
    ]);
    expect((delivered[2]!.message as { at: unknown }).at).toBeInstanceOf(Date);
  });

  it(`unknown keys: the library's own policy (its default object ${unknownKeyPolicy[library]} them, a strict one refuses)`, async () => {
    const { delivered, errors, exchange } = await open(schemas);
    await exchange(
      '{"type":"welcome","user":"alice","admin":true}',
      '{"type":"chat","from":"bob","text":"hi","admin":true}',
    );
    const welcome =
      unknownKeyPolicy[library] === 'strips'
        ? { type: 'welcome', user: 'alice' }
        : { type: 'welcome', user: 'alice', admin: true };
    expect(delivered).toEqual([
      { via: 'welcome', message: welcome },
      { via: 'message', message: welcome },
    ]);
    expect(errors.map((e) => e.code)).toEqual(['WSGATE_CLIENT_FRAME_INVALID']);
  });

  it('a frame that fails its schema, or has none, is dropped and reported, never delivered; the next ones still are', async () => {
    const { client, delivered, errors, exchange } = await open(schemas);
    const secret = 'S3CRET-V4LUE';
    await exchange(
      `{"type":"chat","from":"bob","text":"${secret} is far longer than twenty characters"}`,
      `{"type":"chat","from":7,"text":"${secret}"}`,
      `{"type":"welcome","user":{"name":"${secret}"}}`,
      `{"type":"tick","at":"${secret}"}`,
      `{"type":"error","code":42,"detail":"${secret}"}`,
      `{"type":"${secret}-unknown-type","user":"${secret}"}`,
      '{"type":"constructor"}',
      '{"type":"__proto__"}',
      '{"type":"toString"}',
    );
    expect(delivered).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual([
      ...Array<string>(5).fill('WSGATE_CLIENT_FRAME_INVALID'),
      ...Array<string>(4).fill('WSGATE_CLIENT_FRAME_TYPE_UNKNOWN'),
    ]);
    // messages name one of your schema keys at most, never a value of the frame
    expect(errors.map((e) => e.message)).toEqual([
      'inbound "chat" frame dropped: it does not match its schema',
      'inbound "chat" frame dropped: it does not match its schema',
      'inbound "welcome" frame dropped: it does not match its schema',
      'inbound "tick" frame dropped: it does not match its schema',
      'inbound "error" frame dropped: it does not match its schema',
      ...Array<string>(4).fill('inbound frame dropped: no schema for its type'),
    ]);
    const observed = errors
      .map((e) => `${inspect(e, { showHidden: true, depth: 8 })}${String(e.cause)}`)
      .join('\n');
    expect(observed).not.toContain(secret);
    expect(observed).not.toContain('bob');
    // the connection stays open and keeps delivering
    expect(client.state).toBe('open');
    await exchange('{"type":"chat","from":"bob","text":"still here"}');
    expect(delivered).toEqual([
      { via: 'chat', message: { type: 'chat', from: 'bob', text: 'still here' } },
      { via: 'message', message: { type: 'chat', from: 'bob', text: 'still here' } },
    ]);
    expect(server!.sockets.size).toBe(1);
  });
});

describe('schemas: asynchronous validation is a configuration error', () => {
  it('a schema that is always asynchronous (Valibot objectAsync) is refused by connect()', () => {
    const attempt = () =>
      connect({
        ticketUrl: 'http://127.0.0.1:1/ticket',
        url: 'ws://127.0.0.1:1/ws',
        WebSocket,
        schemas: {
          welcome: v.object({ type: v.literal('welcome') }),
          chat: v.objectAsync({ type: v.literal('chat'), text: v.string() }),
        },
      });
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'WSGATE_CLIENT_INVALID_OPTION',
        message: 'the schema of "chat" validated asynchronously: server frame schemas must be synchronous',
      }),
    );
  });

  it('one that turns asynchronous only on a valid frame (a Zod async refinement): the frame is dropped, the error emitted', async () => {
    const { delivered, errors, exchange } = await open({
      ...libraries.zod,
      chat: libraries.zod.chat.refine(async () => true),
    });
    await exchange('{"type":"chat","from":"bob","text":"hi"}');
    expect(delivered).toEqual([]);
    expect(errors.map(({ code, message }) => ({ code, message }))).toEqual([
      {
        code: 'WSGATE_CLIENT_INVALID_OPTION',
        message: 'the schema of "chat" validated asynchronously: server frame schemas must be synchronous',
      },
    ]);
  });
});

describe('schemas: the other unknown-key policies, as the README describes them', () => {
  const input = { type: 'joined', room: 'lobby', extra: 1 };
  const outcome = (schema: StandardSchemaV1) => {
    const result = checkFrame(new Map([['joined', schema]]), input);
    return result.ok ? result.message : result.error.code;
  };

  it('loose objects keep unknown keys (Zod, Valibot)', () => {
    expect(outcome(z.looseObject({ type: z.literal('joined'), room: z.string() }))).toEqual(input);
    expect(outcome(v.looseObject({ type: v.literal('joined'), room: v.string() }))).toEqual(input);
  });

  it("ArkType: '+': 'delete' strips them, '+': 'reject' refuses the frame, the default keeps them", () => {
    expect(outcome(type({ '+': 'delete', type: "'joined'", room: 'string' }))).toEqual({
      type: 'joined',
      room: 'lobby',
    });
    expect(outcome(type({ '+': 'reject', type: "'joined'", room: 'string' }))).toBe(
      'WSGATE_CLIENT_FRAME_INVALID',
    );
    expect(outcome(type({ type: "'joined'", room: 'string' }))).toEqual(input);
  });
});
