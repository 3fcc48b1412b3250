import { Type as LegacyType } from '@sinclair/typebox';
import Type from 'typebox';
import { createWsGate, jsonSchemaValidator, typeEnvelope, type MessageOf } from '@wsgate/core';
import { typeboxValidator } from '@wsgate/core/typebox';

const schemas = {
  // typebox 1.x: typeboxValidator, from the subpath (only it needs typebox installed).
  join: typeboxValidator(
    Type.Object({ type: Type.Literal('join'), room: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }) }),
  ),
  // @sinclair/typebox 0.34: jsonSchemaValidator reads the schema's static type.
  chat: jsonSchemaValidator(
    LegacyType.Object({
      type: LegacyType.Literal('chat'),
      room: LegacyType.String(),
      text: LegacyType.String(),
    }),
  ),
};

// { type: 'join'; room: string } | { type: 'chat'; room: string; text: string }
export type Message = MessageOf<typeof schemas>;

const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
export const router = gate.createRouter(
  {
    join: { schema: schemas.join, handler: ({ room }) => ({ type: 'joined', room }) },
    chat: { schema: schemas.chat, handler: ({ room, text }) => ({ type: 'chat', room, text }) },
  },
  typeEnvelope,
);
