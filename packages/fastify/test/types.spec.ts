// Type-level tests of the public generics, checked by `tsc -p packages/fastify/tsconfig.json`
// (vitest runs the bodies, which only register routes). The augmentation below is the one a
// user writes; `@wsgate/fastify` resolves to ../src here (tsconfig `paths`).
import { Type } from '@sinclair/typebox';
import {
  jsonSchemaValidator,
  type IssueForRequestResult,
  type MessageOf,
  type Principal,
} from '@wsgate/core';
import Fastify from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type WebSocket from 'ws';
import wsgate, {
  type MessageHandlers,
  type TicketSubject,
  type WsGateClaims,
  type WsGateRequestContext,
} from '../src/index.js';

declare module '@wsgate/fastify' {
  interface WsGateClaims {
    roles: string[];
  }
}

const schemas = {
  join: jsonSchemaValidator(Type.Object({ type: Type.Literal('join'), room: Type.String() })),
  chat: jsonSchemaValidator(
    Type.Object({ type: Type.Literal('chat'), room: Type.String(), text: Type.String() }),
  ),
  whoami: jsonSchemaValidator(Type.Object({ type: Type.Literal('whoami') })),
};
type Message = MessageOf<typeof schemas>;

describe('types', () => {
  it('types request.wsgate.principal.claims by the WsGateClaims augmentation', async () => {
    const app = Fastify();
    await app.register(wsgate, { origins: { allow: ['https://app.example.com'] } });
    app.get('/ws', { websocket: true }, (socket, request) => {
      expectTypeOf(socket).toEqualTypeOf<WebSocket>();
      expectTypeOf(request.wsgate).toEqualTypeOf<WsGateRequestContext>();
      expectTypeOf(request.wsgate.principal).toEqualTypeOf<Principal<WsGateClaims>>();
      expectTypeOf(request.wsgate.principal.claims.roles).toEqualTypeOf<string[]>();
      expectTypeOf(request.wsgate.principal.subject).toEqualTypeOf<string>();
      expectTypeOf(request.wsgate.principal.sessionId).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf<TicketSubject<WsGateClaims>['claims']>().toEqualTypeOf<WsGateClaims | undefined>();
    expectTypeOf(app.wsgate.issueTicket).returns.toEqualTypeOf<Promise<IssueForRequestResult>>();
    app.post('/my-ticket', async (request) => {
      // @ts-expect-error the augmentation makes `roles` required in claims
      await app.wsgate.issueTicket(request, { subject: 'alice', claims: { tenant: 'acme' } });
      return app.wsgate.issueTicket(request, { subject: 'alice', claims: { roles: ['admin'] } });
    });
    await app.ready();
    await app.close();
    expect(app.hasRoute({ method: 'GET', url: '/ws' })).toBe(true);
  });

  it('narrows each onMessage<MessageOf<typeof schemas>> handler to the message of its type', async () => {
    const app = Fastify();
    await app.register(wsgate, { origins: { allow: ['https://app.example.com'] }, messages: { schemas } });
    app.get('/ws', { websocket: true }, (socket, request) => {
      request.wsgate.onMessage<Message>(socket, {
        join: (message) => {
          expectTypeOf(message).toEqualTypeOf<{ type: 'join'; room: string }>();
        },
        chat: (message) => {
          expectTypeOf(message).toEqualTypeOf<{ type: 'chat'; room: string; text: string }>();
          expectTypeOf(message.text).toEqualTypeOf<string>();
        },
        whoami: async (message) => {
          expectTypeOf(message).toEqualTypeOf<{ type: 'whoami' }>();
        },
      });
      request.wsgate.onMessage<Message>(socket, {
        join: (message) => {
          // @ts-expect-error a join message has no `text`
          void message.text;
        },
      });
      // @ts-expect-error `leave` is not a message type of these schemas
      request.wsgate.onMessage<Message>(socket, { leave: () => undefined });
    });
    expectTypeOf<Message>().toEqualTypeOf<
      { type: 'join'; room: string } | { type: 'chat'; room: string; text: string } | { type: 'whoami' }
    >();
    expectTypeOf<keyof MessageHandlers<Message>>().toEqualTypeOf<'join' | 'chat' | 'whoami'>();
    await app.ready();
    await app.close();
    expect(app.hasRoute({ method: 'GET', url: '/ws' })).toBe(true);
  });
});
