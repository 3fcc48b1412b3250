import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import wsgate, { defineMessages } from '@wsgate/fastify';
import { sessionUser } from './auth.js'; // your own session lookup

const app = Fastify({ logger: true });

await app.register(wsgate, {
  origins: { allow: ['https://app.example.com'] },
  // POST /ws-ticket: your normal HTTP authentication decides who gets a ticket.
  ticketRoute: {
    authenticate: async (request) => {
      const user = await sessionUser(request);
      return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
    },
  },
});

// Every message type has a schema (unknown types and properties are refused) and may need a role.
const messages = defineMessages({
  ping: { schema: Type.Object({ type: Type.Literal('ping') }), handler: () => ({ type: 'pong' }) },
  echo: {
    schema: Type.Object({ type: Type.Literal('echo'), text: Type.String({ maxLength: 500 }) }),
    handler: ({ text }, { principal }) => ({ type: 'echo', from: principal.subject, text }),
  },
  announce: {
    schema: Type.Object({ type: Type.Literal('announce'), text: Type.String({ maxLength: 500 }) }),
    roles: ['admin'], // others get FORBIDDEN
    handler: ({ text }, { principal }) => {
      for (const client of app.websocketServer.clients)
        app.wsgate.send(client, { type: 'announce', text, from: principal.subject });
    },
  },
});

// Every WebSocket route is authenticated: this handler only runs for a valid ticket.
app.get('/ws', { websocket: true, config: { wsgate: { messages } } }, (socket, request) => {
  request.wsgate.send(socket, { type: 'welcome', user: request.wsgate.principal.subject });
});

// On logout: close the sockets opened from that session (4401).
app.post('/logout', async (request) => {
  const user = await sessionUser(request);
  if (user !== undefined) app.wsgate.revokeSession(user.sessionId, 'logged out');
  return { ok: true };
});

await app.listen({ port: 3000 });
