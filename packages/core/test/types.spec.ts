// Type-level tests: checked by `tsc -p packages/core/tsconfig.json` (vitest runs them as no-ops).
import { Type } from '@sinclair/typebox';
import { type } from 'arktype';
import TypeBox1 from 'typebox';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createHandshakeAuthorizer,
  createOriginPolicy,
  createTicketService,
  createTransportPolicy,
  createWsGate,
  jsonSchemaValidator,
  toValidator,
  typeEnvelope,
  type HandshakeResult,
  type InferMessage,
  type MessageOf,
  type Principal,
  type RedeemResult,
  type StaticOf,
  type TicketClaims,
  type ValidatedType,
  type Validator,
} from '../src/index.js';
import { typeboxValidator } from '../src/typebox/index.js';

// TypeBox-like schemas: plain JSON Schema objects carrying a phantom `static` type.
const joinSchema = {
  type: 'object',
  properties: { type: { const: 'join' }, room: { type: 'string' } },
  required: ['type', 'room'],
} as unknown as { type: 'object'; static: { type: 'join'; room: string } };
const saySchema = {
  type: 'object',
  properties: { type: { const: 'say' }, text: { type: 'string' } },
  required: ['type', 'text'],
} as unknown as { type: 'object'; static: { type: 'say'; text: string } };

interface AppClaims extends TicketClaims {
  readonly roles: readonly string[];
  readonly tenant: string;
}

describe('schema types', () => {
  it('StaticOf reads the phantom static type, unknown for a plain schema', () => {
    expectTypeOf<StaticOf<typeof joinSchema>>().toEqualTypeOf<{ type: 'join'; room: string }>();
    expectTypeOf<StaticOf<{ type: 'object' }>>().toBeUnknown();
  });

  it('jsonSchemaValidator is typed by the schema', () => {
    expectTypeOf(jsonSchemaValidator(joinSchema)).toEqualTypeOf<Validator<{ type: 'join'; room: string }>>();
    expectTypeOf<ValidatedType<ReturnType<typeof jsonSchemaValidator<typeof saySchema>>>>().toEqualTypeOf<{
      type: 'say';
      text: string;
    }>();
    expectTypeOf(jsonSchemaValidator({ type: 'object' })).toEqualTypeOf<Validator<unknown>>();
  });

  it('works with real TypeBox schemas', () => {
    const leave = jsonSchemaValidator(
      Type.Object({ type: Type.Literal('leave'), room: Type.String(), reason: Type.Optional(Type.String()) }),
    );
    expectTypeOf(leave).toEqualTypeOf<Validator<{ type: 'leave'; room: string; reason?: string }>>();
  });
});

describe('TypeBox packages', () => {
  // `@sinclair/typebox` 0.34: the schema's phantom `static` property types jsonSchemaValidator.
  const sinclairSay = jsonSchemaValidator(
    Type.Object({
      type: Type.Literal('say'),
      text: Type.String({ maxLength: 200 }),
      tags: Type.Optional(Type.Array(Type.String())),
      mood: Type.Union([Type.Literal('calm'), Type.Literal('loud')]),
    }),
  );
  // `typebox` 1.x: no phantom property; typeboxValidator applies TypeBox 1's own `Static`.
  const typeboxSay = typeboxValidator(
    TypeBox1.Object({
      type: TypeBox1.Literal('say'),
      text: TypeBox1.String({ maxLength: 200 }),
      tags: TypeBox1.Optional(TypeBox1.Array(TypeBox1.String())),
      mood: TypeBox1.Union([TypeBox1.Literal('calm'), TypeBox1.Literal('loud')]),
    }),
  );
  interface Say {
    type: 'say';
    text: string;
    tags?: string[];
    mood: 'calm' | 'loud';
  }

  it('@sinclair/typebox 0.34: jsonSchemaValidator infers the message type', () => {
    expectTypeOf(sinclairSay).toEqualTypeOf<Validator<Say>>();
  });

  it('typebox 1.x: typeboxValidator infers the message type', () => {
    expectTypeOf<ValidatedType<typeof typeboxSay>>().toEqualTypeOf<Say>();
    const leave = typeboxValidator(
      TypeBox1.Object({ type: TypeBox1.Literal('leave'), reason: TypeBox1.Optional(TypeBox1.String()) }),
    );
    expectTypeOf(leave).toEqualTypeOf<Validator<{ type: 'leave'; reason?: string }>>();
  });

  it('typebox 1.x: jsonSchemaValidator accepts the schema (it cannot infer from it)', () => {
    const untyped = jsonSchemaValidator(TypeBox1.Object({ type: TypeBox1.Literal('whoami') }));
    expectTypeOf(untyped).toEqualTypeOf<Validator<unknown>>();
  });

  it('validators of both packages make one MessageOf union, narrowed per type', () => {
    const _mixed = {
      say: typeboxSay,
      join: jsonSchemaValidator(Type.Object({ type: Type.Literal('join'), room: Type.String() })),
      leave: typeboxValidator(TypeBox1.Object({ type: TypeBox1.Literal('leave'), room: TypeBox1.String() })),
    };
    type Message = MessageOf<typeof _mixed>;
    expectTypeOf<Message>().toEqualTypeOf<
      Say | { type: 'join'; room: string } | { type: 'leave'; room: string }
    >();
    const roomOf = (message: Message) => {
      if (message.type === 'say') return message.mood;
      expectTypeOf(message).toEqualTypeOf<{ type: 'join'; room: string } | { type: 'leave'; room: string }>();
      return message.room;
    };
    expectTypeOf(roomOf).returns.toEqualTypeOf<string>();
  });
});

describe('MessageOf', () => {
  const _schemas = { join: jsonSchemaValidator(joinSchema), say: jsonSchemaValidator(saySchema) };
  type Message = MessageOf<typeof _schemas>;

  it('is the union of the validated messages', () => {
    expectTypeOf<Message>().toEqualTypeOf<{ type: 'join'; room: string } | { type: 'say'; text: string }>();
  });

  it('narrows per type', () => {
    const handle = (message: Message) => {
      switch (message.type) {
        case 'join':
          expectTypeOf(message).toEqualTypeOf<{ type: 'join'; room: string }>();
          expectTypeOf(message.room).toBeString();
          // @ts-expect-error a join message has no text
          return message.text;
        case 'say':
          expectTypeOf(message).toEqualTypeOf<{ type: 'say'; text: string }>();
          return message.text;
        default:
          expectTypeOf(message).toBeNever();
          return undefined;
      }
    };
    expectTypeOf(handle).parameter(0).toEqualTypeOf<Message>();
  });

  it('flows through toValidator into a route handler', () => {
    const gate = createWsGate({ origins: { allow: 'https://app.example.com' } });
    void gate.tickets.close();
    const join = toValidator(joinSchema, 'join');
    expectTypeOf(join).toEqualTypeOf<Validator<{ type: 'join'; room: string }>>();
    gate.createRouter(
      {
        join: {
          validator: join,
          handle: (message: { type: 'join'; room: string }) => {
            expectTypeOf(message.room).toBeString();
          },
        },
      },
      typeEnvelope,
    );
  });
});

describe('InferMessage: one message type from every schema library', () => {
  it('TypeBox 0.34 (@sinclair/typebox)', () => {
    const schema = Type.Object({ type: Type.Literal('join'), room: Type.String() });
    expectTypeOf(toValidator(schema, 'join').validate).returns.not.toBeAny();
    expectTypeOf<InferMessage<typeof schema>>().toEqualTypeOf<{ type: 'join'; room: string }>();
  });

  it('Zod 4', () => {
    const schema = z.object({ type: z.literal('join'), room: z.string(), at: z.number().optional() });
    expectTypeOf<InferMessage<typeof schema>>().toEqualTypeOf<{
      type: 'join';
      room: string;
      at?: number | undefined;
    }>();
    expectTypeOf(toValidator(schema, 'join')).toEqualTypeOf<
      Validator<{ type: 'join'; room: string; at?: number | undefined }>
    >();
  });

  it('Valibot 1', () => {
    const schema = v.object({ type: v.literal('join'), room: v.string() });
    expectTypeOf(toValidator(schema, 'join')).toEqualTypeOf<Validator<{ type: 'join'; room: string }>>();
    expectTypeOf<InferMessage<typeof schema>>().toEqualTypeOf<{ type: 'join'; room: string }>();
  });

  it('ArkType 2', () => {
    const schema = type({ type: "'join'", room: 'string' });
    expectTypeOf(toValidator(schema, 'join')).toEqualTypeOf<Validator<{ type: 'join'; room: string }>>();
    expectTypeOf<InferMessage<typeof schema>>().toEqualTypeOf<{ type: 'join'; room: string }>();
  });

  it('a Validator', () => {
    expectTypeOf<InferMessage<Validator<{ n: number }>>>().toEqualTypeOf<{ n: number }>();
  });

  it('MessageOf mixes libraries in one map', () => {
    const _schemas = {
      join: Type.Object({ type: Type.Literal('join'), room: Type.String() }),
      say: z.object({ type: z.literal('say'), text: z.string() }),
    };
    expectTypeOf<MessageOf<typeof _schemas>>().toEqualTypeOf<
      { type: 'join'; room: string } | { type: 'say'; text: string }
    >();
  });
});

describe('Principal claims', () => {
  it('defaults to TicketClaims', () => {
    expectTypeOf<Principal['claims']>().toEqualTypeOf<TicketClaims>();
    expectTypeOf<Principal['subject']>().toBeString();
    expectTypeOf<Principal['sessionId']>().toEqualTypeOf<string | undefined>();
  });

  it('carries the claims type from issue to redeem', async () => {
    const tickets = createTicketService<AppClaims>({ bindIp: false });
    const { ticket } = await tickets.issue({
      subject: 'alice',
      ip: undefined,
      claims: { roles: ['member'], tenant: 't1' },
    });
    // @ts-expect-error claims must match AppClaims
    void tickets.issue({ subject: 'alice', ip: undefined, claims: { roles: 'member' } });
    const result = await tickets.redeem(ticket, { ip: undefined });
    expectTypeOf(result).toEqualTypeOf<RedeemResult<AppClaims>>();
    if (result.ok) {
      expectTypeOf(result.principal).toEqualTypeOf<Principal<AppClaims>>();
      expectTypeOf(result.principal.claims.roles).toEqualTypeOf<readonly string[]>();
    } else {
      expectTypeOf(result.reason).toEqualTypeOf<
        'missing' | 'malformed' | 'unknown' | 'expired' | 'ip_mismatch' | 'origin_mismatch'
      >();
    }
    await tickets.close();
  });

  it('carries the claims type through the handshake authorizer', async () => {
    const tickets = createTicketService<AppClaims>({ bindIp: false });
    const authorizer = createHandshakeAuthorizer({
      tickets,
      origins: createOriginPolicy({ allow: 'https://app.example.com' }),
      transport: createTransportPolicy(),
    });
    const result = await authorizer.authorize({
      method: 'GET',
      url: '/ws',
      headers: {},
      remoteAddress: '127.0.0.1',
      encrypted: false,
    });
    expectTypeOf(result).toEqualTypeOf<HandshakeResult<AppClaims>>();
    if (result.ok) expectTypeOf(result.principal.claims.tenant).toBeString();
    else expectTypeOf<400 | 401 | 403 | 405 | 429 | 503>().toEqualTypeOf<typeof result.status>();
    await tickets.close();
  });
});
