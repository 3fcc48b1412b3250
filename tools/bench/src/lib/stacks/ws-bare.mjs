// Reference ceiling: `ws` on `node:http`, no framework, no authentication.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { ANONYMOUS, bareMessageHandler, WS_PATH, welcomeFrame } from '../protocol.mjs';

export async function start() {
  const server = createServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: WS_PATH, maxPayload: 16_384, perMessageDeflate: false });
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify(welcomeFrame(ANONYMOUS, [])));
    socket.on('message', bareMessageHandler(socket, ANONYMOUS));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    connections: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
