import { createServer } from 'node:http';
import { Type } from '@sinclair/typebox';
import { Server, type DefaultEventsMap } from 'socket.io';
import { defineEvents, wsgateSocketIo, type WsGateSocketData } from '@wsgate/socket.io';
import { sessionUser } from './auth.js'; // your own session lookup

const http = createServer((request, response) => {
  // POST /ws-ticket: your normal HTTP authentication decides who gets a ticket.
  if (request.method === 'POST' && request.url === '/ws-ticket') {
    void wsgate.handleTicketRequest(request, response, async (req) => {
      const user = await sessionUser(req);
      return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
    });
    return;
  }
  response.writeHead(404).end();
});

const io = new Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, WsGateSocketData>(http);

// Every event has a schema for its one payload argument, and may need a role; others are refused.
const wsgate = wsgateSocketIo(io, {
  origins: { allow: ['https://app.example.com'] },
  events: defineEvents({
    join: {
      schema: Type.Object({ room: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) }),
      handler: async ({ room }, { socket }) => {
        await socket.join(room);
        return { ok: true, room }; // the acknowledgement
      },
    },
    announce: {
      schema: Type.Object({ text: Type.String({ maxLength: 500 }) }),
      roles: ['admin'], // others get FORBIDDEN
      handler: ({ text }, { principal }) => {
        io.emit('announce', { from: principal.subject, text });
        return { ok: true };
      },
    },
  }),
});

// Only sockets with a valid ticket get here; the principal comes from the ticket, never from `auth`.
io.on('connection', (socket) => {
  const { subject, claims } = socket.data.principal;
  socket.emit('welcome', { user: subject, roles: claims['roles'] });
});

// On logout: `exception` { code: 'UNAUTHENTICATED' }, then a server-side disconnect.
export function onLogout(sessionId: string): void {
  wsgate.revokeSession(sessionId, 'logged out');
}

http.listen(3000);
