// Bare @fastify/websocket route: what an app without @wsgate runs (no ticket, no Origin check).
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import { ANONYMOUS, bareMessageHandler, WS_PATH, welcomeFrame } from '../protocol.mjs';

export async function start() {
  const app = Fastify({ logger: false });
  await app.register(fastifyWebsocket, { options: { maxPayload: 16_384, perMessageDeflate: false } });
  app.get(WS_PATH, { websocket: true }, (socket) => {
    socket.send(JSON.stringify(welcomeFrame(ANONYMOUS, [])));
    socket.on('message', bareMessageHandler(socket, ANONYMOUS));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: app.server.address().port,
    connections: () => app.websocketServer.clients.size,
    close: () => app.close(),
  };
}
