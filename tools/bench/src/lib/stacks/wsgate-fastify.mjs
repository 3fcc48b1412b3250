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
  subjectOf,
  WS_PATH,
  welcomeFrame,
} from '../protocol.mjs';
import { createTicketStore } from '../ticket-stores.mjs';

/** `options.store`: `'memory'` (default) or `'redis'` (with `options.redisUrl`). */
export async function start(options = {}) {
  const store = await createTicketStore(options.store ?? 'memory', options);
  const app = Fastify({ logger: false });
  await app.register(wsgateFastify, {
    origins: { allow: [ORIGIN] },
    tickets: { ...(store === undefined ? {} : { store }), bindIp: true, bindOrigin: true },
    messages: { schemas: messageSchemas, rateLimit: BENCH_RATE_LIMIT },
    connections: BENCH_CONNECTION_LIMITS,
  });
  app.get(WS_PATH, { websocket: true }, (socket, request) => {
    const { principal, send } = request.wsgate;
    const user = principal.subject;
    send(socket, welcomeFrame(user, principal.claims.roles));
    request.wsgate.onMessage(socket, {
      chat: ({ room, text }) => send(socket, chatEcho(user, room, text)),
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  let issued = 0;
  return {
    port: app.server.address().port,
    connections: () => app.websocketServer.clients.size,
    /** Issues `n` tickets the way the app's ticket endpoint would, bound to 127.0.0.1 and ORIGIN. */
    async issue(n) {
      const tickets = new Array(n);
      for (let index = 0; index < n; index += 1) {
        const subject = subjectOf(issued++);
        const { ticket } = await app.wsgate.gate.tickets.issue({
          subject,
          sessionId: `s-${subject}`,
          claims: { roles: ['user'] },
          ip: '127.0.0.1',
          origin: ORIGIN,
        });
        tickets[index] = ticket;
      }
      return tickets;
    },
    /** Redeems tickets a window did not use, so that they do not linger in the store. */
    async burn(tickets) {
      for (const ticket of tickets)
        await app.wsgate.gate.tickets.redeem(ticket, { ip: '127.0.0.1', origin: ORIGIN });
      return tickets.length;
    },
    close: () => app.close(),
  };
}
