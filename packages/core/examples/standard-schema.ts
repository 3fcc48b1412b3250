import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { createWsGate, typeEnvelope, type MessageOf } from '@wsgate/core';

const schemas = {
  // Zod 4: z.object strips unknown keys; @wsgate refuses a message that had one.
  join: z.object({ type: z.literal('join'), room: z.string().regex(/^[a-z0-9-]{1,32}$/) }),
  // Valibot 1: v.object strips them too; refused the same way.
  chat: v.object({ type: v.literal('chat'), room: v.string(), text: v.pipe(v.string(), v.maxLength(2000)) }),
  // ArkType 2 keeps unknown keys by default; refused too (read from the schema's JSON Schema).
  leave: type({ type: "'leave'", room: 'string' }),
};

// { type: 'join'; room: string } | { type: 'chat'; room: string; text: string } | { type: 'leave'; room: string }
export type Message = MessageOf<typeof schemas>;

const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
export const router = gate.createRouter(
  {
    join: { schema: schemas.join, handler: ({ room }) => ({ type: 'joined', room }) },
    chat: {
      schema: schemas.chat,
      roles: ['member'],
      handler: ({ room, text }) => ({ type: 'chat', room, text }),
    },
    leave: { schema: schemas.leave, handler: ({ room }) => ({ type: 'left', room }) },
  },
  typeEnvelope,
);
