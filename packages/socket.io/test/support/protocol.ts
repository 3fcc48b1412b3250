// The events of the test servers: the demo protocol's Socket.IO events, plus a few probes.
import { Type } from '@sinclair/typebox';
import { TicketStoreUnavailableError } from '@wsgate/core';
import { MessageRejection, defineEvents } from '../../src/index.js';

const Room = Type.String({ pattern: '^[a-z0-9_-]{1,32}$' });
const Text = Type.String({ minLength: 1, maxLength: 2000 });

export const testEvents = defineEvents({
  join: {
    schema: Type.Object({ room: Room }),
    handler: async ({ room }, { socket }) => {
      await socket.join(room);
      return { ok: true, room };
    },
  },
  chat: {
    schema: Type.Object({ room: Room, text: Text }),
    handler: ({ room, text }, { socket, principal }) => {
      if (!socket.rooms.has(room)) throw new MessageRejection('NOT_IN_ROOM', 'join the room first');
      socket.nsp.to(room).emit('chat', { room, from: principal.subject, text, at: Date.now() });
      return { ok: true };
    },
  },
  whoami: {
    schema: Type.Object({}),
    handler: (_payload, { principal }) => ({
      ok: true,
      user: principal.subject,
      roles: principal.claims['roles'],
    }),
  },
  announce: {
    schema: Type.Object({ text: Text }),
    roles: ['admin'],
    handler: ({ text }, { socket, principal }) => {
      socket.nsp.emit('announce', { from: principal.subject, text });
      return { ok: true };
    },
  },
  upload: {
    schema: Type.Object({ name: Type.String(), data: Type.Unsafe<Buffer>({}) }),
    binary: true,
    handler: ({ name, data }) => ({ ok: true, name, bytes: data.length }),
  },
  fail: {
    schema: Type.Object({}),
    handler: () => {
      throw new TypeError('handler bug');
    },
  },
  outage: {
    schema: Type.Object({}),
    handler: () => Promise.reject(new TicketStoreUnavailableError()),
  },
});
