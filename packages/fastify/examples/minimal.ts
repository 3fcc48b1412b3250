import Fastify from 'fastify';
import wsgate from '@wsgate/fastify';
import { jsonSchemaValidator } from '@wsgate/core';
import { sessionUser } from './auth.js'; // your own session lookup

type ClientMessage = { type: 'ping' } | { type: 'echo'; text: string };

const app = Fastify({ logger: true });

await app.register(wsgate, {
  origins: { allow: ['https://app.example.com'] },
  messages: {
    schemas: {
      ping: jsonSchemaValidator({
        type: 'object',
        properties: { type: { const: 'ping' } },
        required: ['type'],
      }),
      echo: jsonSchemaValidator({
        type: 'object',
        properties: { type: { const: 'echo' }, text: { type: 'string', maxLength: 500 } },
        required: ['type', 'text'],
      }),
    },
  },
  // POST /ws-ticket: your normal HTTP authentication decides who gets a ticket.
  ticketRoute: {
    authenticate: async (request) => {
      const user = await sessionUser(request);
      return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
    },
  },
});

// Every WebSocket route is authenticated: this handler only runs for a valid ticket.
app.get('/ws', { websocket: true }, (socket, request) => {
  const { principal, send, onMessage } = request.wsgate;
  send(socket, { type: 'welcome', user: principal.subject });
  onMessage<ClientMessage>(socket, {
    ping: () => send(socket, { type: 'pong' }),
    echo: ({ text }) => send(socket, { type: 'echo', from: principal.subject, text }),
  });
});

// On logout: close the sockets opened from that session (4401).
app.post('/logout', async (request) => {
  const user = await sessionUser(request);
  if (user !== undefined) app.wsgate.revokeSession(user.sessionId, 'logged out');
  return { ok: true };
});

await app.listen({ port: 3000 });
