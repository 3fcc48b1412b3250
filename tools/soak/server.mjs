// The server side of the soak, run by soak.mjs in a child process with --expose-gc:
//   node --expose-gc server.mjs wsgate   @wsgate/fastify (built dist) with a ticket route
//   node --expose-gc server.mjs bare     @fastify/websocket alone, the baseline
// It listens on 127.0.0.1 (port 0), reports { type: 'ready', port } over IPC, and answers
// { cmd: 'memory' } with its memory after full garbage collections, { cmd: 'stop' } by closing.
import websocket from '@fastify/websocket';
import Fastify from 'fastify';

const SOAK_ORIGIN = 'http://soak.localhost';

const mode = process.argv[2];
if (mode !== 'wsgate' && mode !== 'bare') {
  console.error('usage: node --expose-gc server.mjs wsgate|bare');
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  console.error('server.mjs needs --expose-gc');
  process.exit(2);
}
if (typeof process.send !== 'function') {
  console.error('server.mjs is started by soak.mjs (it reports over IPC)');
  process.exit(2);
}

const app = Fastify({ logger: false });

if (mode === 'wsgate') {
  const { wsgateFastify } = await import('@wsgate/fastify');
  await app.register(wsgateFastify, {
    origins: { allow: [SOAK_ORIGIN], allowMissing: false },
    ticketRoute: {
      authenticate: (request) => {
        const subject = request.headers['x-soak-user'];
        return typeof subject === 'string' ? { subject, sessionId: `session-${subject}` } : null;
      },
      // The soak asks for tens of thousands of tickets from a handful of addresses.
      rateLimit: false,
    },
    // Every other limit keeps its default, except the two a soak from ≤ 9 addresses would trip on purpose.
    connections: { maxPerAddress: 1_000_000 },
    bruteForce: { maxRefusals: 1_000_000, windowMs: 60_000 },
  });
  app.get('/ws', { websocket: true }, (socket, request) => {
    request.wsgate.send(socket, { type: 'welcome', subject: request.wsgate.principal.subject });
  });
} else {
  await app.register(websocket, { options: { maxPayload: 16_384, perMessageDeflate: false } });
  app.get('/ws', { websocket: true }, (socket) => {
    socket.send(JSON.stringify({ type: 'welcome' }));
  });
}

async function memory() {
  // Several full collections, letting finalizers and weak callbacks run in between.
  for (let round = 0; round < 4; round += 1) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return {
    heapUsed,
    rss,
    external,
    arrayBuffers,
    sockets: app.websocketServer.clients.size,
    registry: mode === 'wsgate' ? app.wsgate.registry.size : undefined,
  };
}

process.on('message', async (message) => {
  if (message?.cmd === 'memory') {
    process.send({ type: 'memory', id: message.id, memory: await memory() });
  } else if (message?.cmd === 'stop') {
    await app.close();
    process.disconnect();
  }
});
// The parent went away: do not linger.
process.on('disconnect', () => process.exit(0));

await app.listen({ host: '127.0.0.1', port: 0 });
process.send({ type: 'ready', port: app.server.address().port });
