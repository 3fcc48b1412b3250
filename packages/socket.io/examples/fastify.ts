import { Type } from '@sinclair/typebox';
import { handshakeRequestFrom } from '@wsgate/core';
import Fastify from 'fastify';
import { Server } from 'socket.io';
import { defineEvents, wsgateSocketIo } from '@wsgate/socket.io';
import { sessionUser } from './auth.js'; // your own session lookup

const app = Fastify({ logger: true });

// fastify-socket.io supports Fastify 4 only: on Fastify 5, attach Socket.IO to fastify.server.
const io = new Server(app.server);
const wsgate = wsgateSocketIo(io, {
  origins: { allow: ['https://app.example.com'] },
  logger: app.log,
  events: defineEvents({
    whoami: {
      schema: Type.Object({}),
      handler: (_payload, { principal }) => ({ ok: true, user: principal.subject }),
    },
  }),
});

app.post('/ws-ticket', async (request, reply) => {
  const answer = await wsgate.gate.answerTicketRequest(handshakeRequestFrom(request.raw), async () => {
    const user = await sessionUser(request);
    return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
  });
  request.log.info({ event: answer.audit.event, ...answer.audit.fields }, answer.audit.message);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
});

app.addHook('preClose', async () => {
  io.local.disconnectSockets(true);
});
app.addHook('onClose', async () => {
  await io.close();
  await wsgate.close();
});

await app.listen({ port: 3000 });
