import type { MessageSchema } from '@wsgate/core';
import type { SocketIoEventDefinition } from './types.js';

/**
 * Declares the events clients may send, with typed handlers: each handler's payload is typed
 * from its schema. Pass the result as the `events` option.
 *
 * @example
 * const events = defineEvents({
 *   join: {
 *     schema: Type.Object({ room: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) }),
 *     handler: async ({ room }, { socket }) => {
 *       await socket.join(room);
 *       return { ok: true, room };
 *     },
 *   },
 *   announce: { schema: Announce, roles: ['admin'], handler: ({ text }, { socket }) => void socket.nsp.emit('announce', { text }) },
 * });
 */
export function defineEvents<S extends Readonly<Record<string, MessageSchema>>>(events: {
  readonly [K in keyof S]: SocketIoEventDefinition<S[K]>;
}): { readonly [K in keyof S]: SocketIoEventDefinition<S[K]> } {
  return events;
}
