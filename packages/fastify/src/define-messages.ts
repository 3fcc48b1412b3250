import type { MessageSchema } from '@wsgate/core';
import type { WsGateMessageDefinition } from './types.js';

/**
 * Declares the messages of a WebSocket route with typed handlers: each handler's message is
 * typed from its schema (TypeBox, Zod, Valibot, ArkType, a Validator). Pass the result as the
 * route's `config.wsgate.messages`.
 *
 * @example
 * const messages = defineMessages({
 *   join: { schema: Type.Object({ type: Type.Literal('join'), room: Type.String() }), handler: ({ room }) => ({ type: 'joined', room }) },
 *   announce: { schema: Announce, roles: ['admin'], handler: (message, { send }) => send({ type: 'ok' }) },
 * });
 * app.get('/ws', { websocket: true, config: { wsgate: { messages } } }, (socket, request) => { ... });
 */
export function defineMessages<S extends Readonly<Record<string, MessageSchema>>>(messages: {
  readonly [K in keyof S]: WsGateMessageDefinition<S[K]>;
}): { readonly [K in keyof S]: WsGateMessageDefinition<S[K]> } {
  return messages;
}
