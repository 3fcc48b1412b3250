import { Type } from '@sinclair/typebox';
import { MAX_TEXT_LENGTH, ROOM_PATTERN } from 'demo-kit';

const Room = Type.String({ pattern: ROOM_PATTERN });
const Text = Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH });

/** The demo protocol's client messages, one schema per `type` (extra properties refused). */
export const messageSchemas = {
  join: Type.Object({ type: Type.Literal('join'), room: Room }),
  chat: Type.Object({ type: Type.Literal('chat'), room: Room, text: Text }),
  whoami: Type.Object({ type: Type.Literal('whoami') }),
  announce: Type.Object({ type: Type.Literal('announce'), text: Text }),
};
