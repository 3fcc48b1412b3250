// Peer: socket.io 4, websocket transport only, a handshake middleware verifying an HS256 JWT
// from `auth.token` (jsonwebtoken), plus an Origin check in `allowRequest`.
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { Server } from 'socket.io';
import { JWT_SECRET, ORIGIN, welcomeFrame } from '../protocol.mjs';

export async function start() {
  const server = createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    allowRequest: (request, callback) => callback(null, request.headers.origin === ORIGIN),
  });
  io.use((socket, next) => {
    try {
      socket.data.user = jwt.verify(socket.handshake.auth?.token, JWT_SECRET, { algorithms: ['HS256'] });
      next();
    } catch {
      next(new Error('unauthorized'));
    }
  });
  io.on('connection', (socket) => {
    socket.emit('welcome', welcomeFrame(socket.data.user.sub, socket.data.user.roles));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    connections: () => io.engine.clientsCount,
    async close() {
      await new Promise((resolve) => io.close(resolve));
    },
  };
}
