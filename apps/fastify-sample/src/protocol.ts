import { Type } from '@sinclair/typebox';
import { jsonSchemaValidator, type MessageOf } from '@wsgate/core';
import { MAX_TEXT_LENGTH, ROOM_PATTERN } from 'demo-kit';

const Room = Type.String({ pattern: ROOM_PATTERN });
const Text = Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH });

/** The demo protocol's client messages, one validator per `type` (extra properties refused). */
export const messageSchemas = {
  join: jsonSchemaValidator(Type.Object({ type: Type.Literal('join'), room: Room })),
  chat: jsonSchemaValidator(Type.Object({ type: Type.Literal('chat'), room: Room, text: Text })),
  whoami: jsonSchemaValidator(Type.Object({ type: Type.Literal('whoami') })),
  announce: jsonSchemaValidator(Type.Object({ type: Type.Literal('announce'), text: Text })),
};

/** Any valid client message. */
export type ClientMessage = MessageOf<typeof messageSchemas>;
