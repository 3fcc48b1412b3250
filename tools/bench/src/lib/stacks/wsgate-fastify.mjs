// @wsgate/fastify: ticket + Origin + IP binding on the upgrade, message guard on `chat`.
// The same app as apps/fastify-sample's /ws route, reduced to the welcome frame and an echo.
import { wsgateFastify } from '@wsgate/fastify';
import Fastify from 'fastify';
import {
  BENCH_CONNECTION_LIMITS,
  BENCH_RATE_LIMIT,
  chatEcho,
  messageSchemas,
  ORIGIN,
  WS_PATH,
  welcomeFrame,
} from '../protocol.mjs';
import { benchTickets, createTicketStore } from '../ticket-stores.mjs';

/** `options.store`: `'memory'` (default) or `'redis'` (with `options.redisUrl`). */
export async function start(options = {}) {
  const store = await createTicketStore(options.store ?? 'memory', options);
  const app = Fastify({ logger: false });
  await app.register(wsgateFastify, {
    origins: { allow: [ORIGIN] },
    tickets: { ...(store === undefined ? {} : { store }), bindIp: true, bindOrigin: true },
    messages: { rateLimit: BENCH_RATE_LIMIT },
    connections: BENCH_CONNECTION_LIMITS,
  });
  // The route's messages (core's router): `chat` validated, its echo the handler's reply.
  const messages = {
    chat: {
      schema: messageSchemas.chat,
      handler: ({ room, text }, { principal }) => chatEcho(principal.subject, room, text),
    },
  };
  app.get(WS_PATH, { websocket: true, config: { wsgate: { messages } } }, (socket, request) => {
    const { principal, send } = request.wsgate;
    send(socket, welcomeFrame(principal.subject, principal.claims.roles));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: app.server.address().port,
    connections: () => app.websocketServer.clients.size,
    ...benchTickets(app.wsgate.gate.tickets),
    close: () => app.close(),
  };
}
