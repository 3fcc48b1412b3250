// @wsgate/socket.io: the socket.io peer's server (websocket transport only, the welcome event),
// with the handshake checked by @wsgate instead of a JWT middleware: ticket from the handshake
// query, Origin, IP and Origin binding, all before Engine.IO opens a session.
import { createServer } from 'node:http';
import { jsonSchemaValidator } from '@wsgate/core';
import { wsgateSocketIo } from '@wsgate/socket.io';
import { Server } from 'socket.io';
import { BENCH_CONNECTION_LIMITS, BENCH_RATE_LIMIT, ORIGIN, welcomeFrame } from '../protocol.mjs';
import { benchTickets } from '../ticket-stores.mjs';

const ROOM = { type: 'string', pattern: '^[a-z0-9_-]{1,32}$' };
const TEXT = { type: 'string', minLength: 1, maxLength: 2000 };

export async function start() {
  const server = createServer();
  const io = new Server(server, { serveClient: false, perMessageDeflate: false });
  const wsgate = wsgateSocketIo(io, {
    origins: { allow: [ORIGIN] },
    tickets: { bindIp: true, bindOrigin: true },
    messages: { rateLimit: BENCH_RATE_LIMIT },
    connections: BENCH_CONNECTION_LIMITS,
    events: {
      chat: {
        schema: jsonSchemaValidator({
          type: 'object',
          properties: { room: ROOM, text: TEXT },
          required: ['room', 'text'],
        }),
        handler: ({ room, text }, { principal }) => ({ room, from: principal.subject, text, at: Date.now() }),
      },
    },
  });
  io.on('connection', (socket) => {
    const { principal } = socket.data;
    socket.emit('welcome', welcomeFrame(principal.subject, principal.claims.roles));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    connections: () => io.engine.clientsCount,
    ...benchTickets(wsgate.gate.tickets),
    async close() {
      await new Promise((resolve) => io.close(resolve));
      await wsgate.close();
    },
  };
}
