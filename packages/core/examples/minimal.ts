import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import { createWsGate, handshakeRequestFrom, typeEnvelope } from '@wsgate/core';
import { sessionUser } from './auth.js'; // your own session lookup

const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
// One route per message type: schema (closed objects), access, handler. Unknown types are refused.
const router = gate.createRouter<undefined>(
  {
    ping: {
      validator: { validate: (value) => ({ ok: true, value }) }, // or a TypeBox / Zod / Valibot schema via toValidator
      roles: ['member'],
      handle: () => ({ type: 'pong' }), // a returned value is sent back
    },
  },
  typeEnvelope,
);
// maxPayload 16 KiB (larger frames close with 1009), few fragments, no compression, wsgate subprotocol.
const wss = new WebSocketServer({
  noServer: true,
  ...gate.wsServerOptions(),
  handleProtocols: (offered, request) => gate.selectSubprotocol(offered, accepted.get(request)),
});
const accepted = new WeakMap<IncomingMessage, string | undefined>();

// POST /ws-ticket: your normal, authenticated HTTP API hands out single-use tickets.
async function ticketRoute(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const answer = await gate.answerTicketRequest(handshakeRequestFrom(request), async () => {
    const user = await sessionUser(request); // 401 when there is none
    return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
  });
  response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json' });
  response.end(JSON.stringify(answer.body));
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/ws-ticket') void ticketRoute(request, response);
  else response.writeHead(404).end();
});

// Every upgrade is checked (syntax, TLS if required, Origin, ticket, caps) before a socket exists.
server.on('upgrade', async (request: IncomingMessage, socket, head) => {
  const result = await gate.authorizeUpgrade(handshakeRequestFrom(request));
  if (!result.ok) {
    socket.end(`HTTP/1.1 ${result.status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    return;
  }
  socket.once('close', () => result.reservation.release()); // the upgrade never completed
  accepted.set(request, result.protocol);
  wss.handleUpgrade(request, socket, head, (ws) => {
    // Registered for revocation, supervised (heartbeat, lifetime, session re-check), audited.
    const admitted = gate.admitWebSocket(result, ws, (event) => console.log(event.event, event.fields));
    const messages = router.connect({
      get principal() {
        return admitted.principal;
      },
      context: undefined,
      send: (text) => gate.supervisor.send(ws, text), // closes a slow reader with 1008
      close: (code, reason) => ws.close(code, reason),
      report: (event) => console.log(event.event, event.fields),
    });
    ws.send(JSON.stringify({ type: 'welcome', user: admitted.principal.subject }));
    ws.on('message', (data, isBinary) => messages.receive(data, isBinary)); // 1003, 1009, 4429, BAD_JSON, ...
  });
});

server.listen(3000);
