// The reference a team writes without @wsgate: @fastify/websocket with a hand-written one-time
// ticket check in a `preValidation` hook — a `Map` lookup + delete, expiry, Origin and IP
// comparison (issue 16). No normalisation, no hashing, no caps, no brute-force limit, no message
// validation: what @wsgate adds on top of it is the difference this stack measures.
import { randomBytes } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import { bareMessageHandler, ORIGIN, subjectOf, WS_PATH, welcomeFrame } from '../protocol.mjs';

const TTL_MS = 30_000;

export async function start() {
  /** ticket → { subject, roles, ip, origin, expiresAt } */
  const tickets = new Map();
  const app = Fastify({ logger: false });
  await app.register(fastifyWebsocket, { options: { maxPayload: 16_384, perMessageDeflate: false } });
  app.decorateRequest('user', null);
  app.get(
    WS_PATH,
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const ticket = request.query.ticket;
        const record = typeof ticket === 'string' ? tickets.get(ticket) : undefined;
        if (record !== undefined) tickets.delete(ticket);
        if (
          record === undefined ||
          record.expiresAt < Date.now() ||
          record.origin !== request.headers.origin ||
          record.ip !== request.ip
        )
          return reply.code(401).send({ error: 'TICKET_INVALID' });
        request.user = record;
      },
    },
    (socket, request) => {
      socket.send(JSON.stringify(welcomeFrame(request.user.subject, request.user.roles)));
      socket.on('message', bareMessageHandler(socket, request.user.subject));
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  let issued = 0;
  return {
    port: app.server.address().port,
    connections: () => app.websocketServer.clients.size,
    async issue(n) {
      const list = new Array(n);
      for (let index = 0; index < n; index += 1) {
        const ticket = randomBytes(32).toString('base64url');
        tickets.set(ticket, {
          subject: subjectOf(issued++),
          roles: ['user'],
          ip: '127.0.0.1',
          origin: ORIGIN,
          expiresAt: Date.now() + TTL_MS,
        });
        list[index] = ticket;
      }
      return list;
    },
    async burn(list) {
      for (const ticket of list) tickets.delete(ticket);
      return list.length;
    },
    close: () => app.close(),
  };
}
