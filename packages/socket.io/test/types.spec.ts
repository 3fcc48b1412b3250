// Type-level tests of the public generics: payloads typed from schemas, the principal on socket.data.
import { Type } from '@sinclair/typebox';
import type { Principal } from '@wsgate/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  defineEvents,
  type SocketIoEventContext,
  type WsGateClaims,
  type WsGateSocket,
  type WsGateSocketData,
} from '../src/index.js';

describe('types', () => {
  it('types each handler payload from its schema', () => {
    const events = defineEvents({
      join: {
        schema: Type.Object({ room: Type.String(), limit: Type.Optional(Type.Number()) }),
        handler: (payload, context) => {
          expectTypeOf(payload).toEqualTypeOf<{ room: string; limit?: number }>();
          expectTypeOf(context).toEqualTypeOf<SocketIoEventContext>();
          return { ok: true };
        },
      },
    });
    expectTypeOf(events.join.binary).toEqualTypeOf<boolean | undefined>();
  });

  it('puts a read-only principal on socket.data', () => {
    expectTypeOf<WsGateSocketData['principal']>().toEqualTypeOf<Principal<WsGateClaims>>();
    expectTypeOf<WsGateSocket['data']>().toEqualTypeOf<WsGateSocketData>();
    // @ts-expect-error the principal is read-only
    const assign = (data: WsGateSocketData) => (data.principal = {} as Principal<WsGateClaims>);
    void assign;
  });
});
