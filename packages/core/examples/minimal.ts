import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import {
  createMessageGuard,
  createWsGate,
  handshakeRequestFrom,
  jsonSchemaValidator,
  WSGATE_SUBPROTOCOL,
} from '@wsgate/core';
import { sessionUser } from './auth.js'; // your own session lookup

const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
const guard = createMessageGuard({
  schemas: {
    ping: jsonSchemaValidator({
      type: 'object',
      properties: { type: { const: 'ping' } },
      required: ['type'],
    }),
  },
});
const wss = new WebSocketServer({
  noServer: true,
  maxPayload: guard.maxBytes, // 16 KiB: larger frames close the socket with 1009
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has(WSGATE_SUBPROTOCOL) ? WSGATE_SUBPROTOCOL : false),
});

// POST /ws-ticket: your normal, authenticated HTTP API hands out single-use tickets.
async function issueTicket(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const user = await sessionUser(request);
  const issued =
    user === undefined
      ? ({ ok: false, status: 401, code: 'UNAUTHENTICATED' } as const)
      : await gate.issueForRequest(handshakeRequestFrom(request), {
          subject: user.id,
          sessionId: user.sessionId,
        });
  response.writeHead(issued.ok ? 200 : issued.status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  response.end(
    JSON.stringify(
      issued.ok ? { ticket: issued.ticket, expiresAt: issued.expiresAt } : { error: issued.code },
    ),
  );
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/ws-ticket') void issueTicket(request, response);
  else response.writeHead(404).end();
});

// Every upgrade is checked (TLS if required, Origin, ticket, connection caps) before a socket exists.
server.on('upgrade', async (request: IncomingMessage, socket, head) => {
  const result = await gate.authorizeUpgrade(handshakeRequestFrom(request));
  if (!result.ok) {
    socket.end(`HTTP/1.1 ${result.status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    return;
  }
  socket.once('close', () => result.reservation.release()); // the upgrade never completed
  wss.handleUpgrade(request, socket, head, (ws) => {
    ws.once('close', result.reservation.attach(ws)); // registered for revocation until it closes
    gate.supervisor.supervise(ws); // heartbeat, send-buffer cap
    const messages = guard.forConnection(); // this socket's rate limit
    ws.send(JSON.stringify({ type: 'welcome', user: result.principal.subject }));
    ws.on('message', (data, isBinary) => {
      const checked = messages.check(data, isBinary);
      if (checked.ok) ws.send(JSON.stringify({ type: 'pong' }));
      else if (checked.action === 'reply')
        ws.send(JSON.stringify(checked.reply)); // BAD_JSON, VALIDATION_FAILED
      else ws.close(checked.closeCode, checked.reason); // 1003, 1009, 4429
    });
  });
});

server.listen(3000);
