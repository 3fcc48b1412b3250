import { Type } from '@sinclair/typebox';
import { jsonSchemaValidator, type MessageOf } from '@wsgate/core';

const Room = Type.String({ pattern: '^[a-z0-9_-]{1,32}$' });
const Text = Type.String({ minLength: 1, maxLength: 2000 });

/** The demo protocol's client messages, one validator per `type` (extra properties refused). */
export const messageSchemas = {
  join: jsonSchemaValidator(Type.Object({ type: Type.Literal('join'), room: Room })),
  chat: jsonSchemaValidator(Type.Object({ type: Type.Literal('chat'), room: Room, text: Text })),
  whoami: jsonSchemaValidator(Type.Object({ type: Type.Literal('whoami') })),
  announce: jsonSchemaValidator(Type.Object({ type: Type.Literal('announce'), text: Text })),
};

/** Any valid client message. */
export type ClientMessage = MessageOf<typeof messageSchemas>;
