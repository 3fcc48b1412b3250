// Type-level tests of `connect({ schemas })` with each Standard Schema library: handlers get the
// schema's output type, keys must match the schemas' `type` literals, and our copy of the
// Standard Schema interface matches @standard-schema/spec.
import type { StandardSchemaV1 as SpecStandardSchemaV1 } from '@standard-schema/spec';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  connect,
  type ConnectOptions,
  type SchemaMessages,
  type ServerMessage,
  type StandardSchemaV1,
  type WsGateClient,
  type WsGateClientError,
} from '../src/index.js';

const base = { ticketUrl: '/ws-ticket', url: '/ws' };

/** Type-level assertions only: `tsc` checks the body, nothing runs it. */
function typeOnly(_body: () => void): void {
  // intentionally never calls _body
}

interface Welcome {
  type: 'welcome';
  user: string;
}
interface Chat {
  type: 'chat';
  from: string;
  text: string;
}
interface ServerError {
  type: 'error';
  code: string;
}
type Outbound = { type: 'join'; room: string } | { type: 'whoami' };

const zodSchemas = {
  welcome: z.object({ type: z.literal('welcome'), user: z.string() }),
  chat: z.strictObject({ type: z.literal('chat'), from: z.string(), text: z.string() }),
  error: z.object({ type: z.literal('error'), code: z.string() }),
};
const valibotSchemas = {
  welcome: v.object({ type: v.literal('welcome'), user: v.string() }),
  chat: v.strictObject({ type: v.literal('chat'), from: v.string(), text: v.string() }),
  error: v.object({ type: v.literal('error'), code: v.string() }),
};
const arktypeSchemas = {
  welcome: type({ type: "'welcome'", user: 'string' }),
  chat: type({ '+': 'reject', type: "'chat'", from: 'string', text: 'string' }),
  error: type({ type: "'error'", code: 'string' }),
};

describe('schemas: handler types from each library', () => {
  /** What every library's client must give: the same handler types. */
  function expectHandlerTypes(
    client: WsGateClient<{ welcome: Welcome; chat: Chat; error: ServerError }>,
  ): void {
    client.on('welcome', (message) => expectTypeOf(message).toEqualTypeOf<Welcome>());
    client.on('chat', (message) => expectTypeOf(message).toEqualTypeOf<Chat>());
    client.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Welcome | Chat | ServerError>());
    // a server 'error' frame reaches only 'message': on('error') is the client's error
    client.on('error', (error) => expectTypeOf(error).toEqualTypeOf<WsGateClientError>());
    // @ts-expect-error no schema for this type
    client.on('joined', () => undefined);
    // @ts-expect-error wrong payload type
    client.on('welcome', (message: Chat) => message);
  }

  it('zod: on(type) gets the output type, message gets the union', () => {
    typeOnly(() => {
      const client = connect({ ...base, schemas: zodSchemas });
      expectTypeOf(client).toEqualTypeOf<
        WsGateClient<{ welcome: Welcome; chat: Chat; error: ServerError }>
      >();
      expectHandlerTypes(client);
    });
  });

  it('valibot: on(type) gets the output type, message gets the union', () => {
    typeOnly(() => {
      const client = connect({ ...base, schemas: valibotSchemas });
      expectTypeOf(client).toEqualTypeOf<
        WsGateClient<{ welcome: Welcome; chat: Chat; error: ServerError }>
      >();
      expectHandlerTypes(client);
    });
  });

  it('arktype: on(type) gets the output type, message gets the union', () => {
    typeOnly(() => {
      const client = connect({ ...base, schemas: arktypeSchemas });
      expectTypeOf(client).toEqualTypeOf<
        WsGateClient<{ welcome: Welcome; chat: Chat; error: ServerError }>
      >();
      expectHandlerTypes(client);
    });
  });

  it('the output type, not the input type: transforms and defaults show in handlers', () => {
    typeOnly(() => {
      const client = connect({
        ...base,
        schemas: {
          tick: z.object({ type: z.literal('tick'), at: z.number().transform((ms) => new Date(ms)) }),
          joined: v.object({ type: v.literal('joined'), room: v.optional(v.string(), 'lobby') }),
          left: type({ type: "'left'", room: 'string.trim' }),
        },
      });
      client.on('tick', (message) => expectTypeOf(message.at).toEqualTypeOf<Date>());
      client.on('joined', (message) => expectTypeOf(message.room).toEqualTypeOf<string>());
      client.on('left', (message) => expectTypeOf(message.room).toEqualTypeOf<string>());
    });
  });

  it('send() is typed by the second type argument', () => {
    typeOnly(() => {
      const client = connect<typeof zodSchemas, Outbound>({ ...base, schemas: zodSchemas });
      expectTypeOf(client).toEqualTypeOf<WsGateClient<SchemaMessages<typeof zodSchemas>, Outbound>>();
      client.send({ type: 'join', room: 'lobby' });
      // @ts-expect-error unknown outbound type
      client.send({ type: 'leave' });
      const untyped = connect({ ...base, schemas: zodSchemas });
      untyped.send({ type: 'anything', extra: 1 });
    });
  });

  it("a schema must output its key's type", () => {
    typeOnly(() => {
      // @ts-expect-error the schema of "chat" outputs welcome frames
      connect({ ...base, schemas: { chat: zodSchemas.welcome } });
      // @ts-expect-error `type` is any string, not "chat"
      connect({ ...base, schemas: { chat: z.object({ type: z.string(), text: z.string() }) } });
      // @ts-expect-error no `type` in the output
      connect({ ...base, schemas: { chat: v.object({ text: v.string() }) } });
      // @ts-expect-error not a Standard Schema
      connect({ ...base, schemas: { chat: { type: 'object' } } });
    });
  });

  it('schemas and a server type argument are exclusive; a ConnectOptions value gives plain messages', () => {
    typeOnly(() => {
      // @ts-expect-error the types come from the schemas, not from a type argument
      connect<{ chat: Chat }>({ ...base, schemas: zodSchemas });
      const options: ConnectOptions = { ...base, schemas: zodSchemas };
      const client = connect(options);
      client.on('chat', (message) => expectTypeOf(message).toEqualTypeOf<ServerMessage>());
    });
  });
});

describe('the Standard Schema interface copied into the client', () => {
  it('is the same as @standard-schema/spec, both ways', () => {
    expectTypeOf<SpecStandardSchemaV1<unknown, Chat>>().toExtend<StandardSchemaV1<unknown, Chat>>();
    expectTypeOf<StandardSchemaV1<unknown, Chat>>().toExtend<SpecStandardSchemaV1<unknown, Chat>>();
    expectTypeOf<SpecStandardSchemaV1.InferOutput<typeof zodSchemas.chat>>().toEqualTypeOf<
      SchemaMessages<typeof zodSchemas>['chat']
    >();
  });
});
