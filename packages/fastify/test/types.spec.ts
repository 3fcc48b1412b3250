// Type-level tests of the public generics, checked by `tsc -p packages/fastify/tsconfig.json`
// (vitest runs the bodies, which only register routes). The augmentation below is the one a
// user writes; `@wsgate/fastify` resolves to ../src here (tsconfig `paths`).
import { Type } from '@sinclair/typebox';
import type { IssueForRequestResult, Principal } from '@wsgate/core';
import Fastify from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type WebSocket from 'ws';
import { z } from 'zod';
import wsgate, {
  defineMessages,
  type TicketSubject,
  type WsGateMessageContext,
  type WsGateClaims,
  type WsGateRequestContext,
} from '../src/index.js';

declare module '@wsgate/fastify' {
  interface WsGateClaims {
    roles: string[];
  }
}

describe('types', () => {
  it('types request.wsgate.principal.claims by the WsGateClaims augmentation', async () => {
    const app = Fastify();
    await app.register(wsgate, { origins: { allow: ['https://app.example.com'] } });
    app.get('/ws', { websocket: true, config: { wsgate: { raw: true } } }, (socket, request) => {
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

  it('types each handler of defineMessages by its schema: TypeBox, Zod, a Validator', async () => {
    const messages = defineMessages({
      join: {
        schema: Type.Object({ type: Type.Literal('join'), room: Type.String() }),
        handler: (message, context) => {
          expectTypeOf(message).toEqualTypeOf<{ type: 'join'; room: string }>();
          expectTypeOf(context).toEqualTypeOf<WsGateMessageContext>();
          expectTypeOf(context.principal.claims.roles).toEqualTypeOf<string[]>();
          // @ts-expect-error a join message has no `text`
          void message.text;
          return { type: 'joined', room: message.room };
        },
      },
      chat: {
        schema: z.object({ type: z.literal('chat'), room: z.string(), text: z.string() }),
        roles: ['member'],
        handler: (message) => {
          expectTypeOf(message).toEqualTypeOf<{ type: 'chat'; room: string; text: string }>();
        },
      },
      whoami: {
        schema: { validate: (value: unknown) => ({ ok: true as const, value: value as { type: 'whoami' } }) },
        handler: async (message) => {
          expectTypeOf(message).toEqualTypeOf<{ type: 'whoami' }>();
        },
      },
    });
    expectTypeOf<keyof typeof messages>().toEqualTypeOf<'join' | 'chat' | 'whoami'>();
    const app = Fastify();
    await app.register(wsgate, { origins: { allow: ['https://app.example.com'] } });
    app.get('/ws', { websocket: true, config: { wsgate: { messages } } }, () => undefined);
    expect(() =>
      // @ts-expect-error a route config is { messages } | { raw: true } | false
      app.get('/bad', { websocket: true, config: { wsgate: { messages: 42 } } }, () => undefined),
    ).toThrow();
    defineMessages({
      // @ts-expect-error a message needs a handler
      leave: { schema: Type.Object({ type: Type.Literal('leave') }) },
    });
    await app.close();
    expect(app.hasRoute({ method: 'GET', url: '/ws' })).toBe(true);
  });
});
