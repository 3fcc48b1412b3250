import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { WebSocketServer } from 'ws';
import {
  auditLine,
  createWsGate,
  handleUpgrade,
  handshakeRequestFrom,
  typeEnvelope,
  type AuditEvent,
} from '@wsgate/core';
import { sessionUser } from './auth.js'; // your own session lookup

const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
const log = (event: AuditEvent) => console.log(auditLine(event)); // or your logger, at event.level

// One entry per message type: its schema (objects closed: unknown properties are refused), who
// may send it, its handler. Any other type, and a message that fails its schema, is refused
// (VALIDATION_FAILED) before the role check (FORBIDDEN) and before any handler runs.
const router = gate.createRouter<undefined>(
  {
    join: {
      schema: Type.Object({
        type: Type.Literal('join'),
        room: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
      }),
      handler: ({ room }) => ({ type: 'joined', room }), // a returned value is sent back
    },
    announce: {
      schema: Type.Object({ type: Type.Literal('announce'), text: Type.String({ maxLength: 500 }) }),
      roles: ['admin'],
      handler: ({ text }) => ({ type: 'announced', text }),
    },
  },
  typeEnvelope,
);

// POST /ws-ticket: your authenticated HTTP API hands out single-use tickets.
async function ticketRoute(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const answer = await gate.answerTicketRequest(handshakeRequestFrom(request), async () => {
    const user = await sessionUser(request); // undefined: 401
    return user && { subject: user.id, sessionId: user.sessionId, claims: { roles: user.roles } };
  });
  log(answer.audit);
  response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json' });
  response.end(JSON.stringify(answer.body));
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/ws-ticket') void ticketRoute(request, response);
  else response.writeHead(404).end();
});

// The gate's ws limits: maxPayload 16 KiB (a larger frame closes with 1009), at most 128
// fragments, 60 unanswered pings, no compression; the subprotocol the ticket check chose.
const protocols = new WeakMap<IncomingMessage, string | undefined>();
const wss = new WebSocketServer({
  noServer: true,
  ...gate.wsServerOptions(),
  handleProtocols: (offered, request) => gate.selectSubprotocol(offered, protocols.get(request)),
});

// Every upgrade is checked (syntax, TLS if required, Origin, brute-force limit, ticket, session,
// connection caps) before a socket exists: a refusal is a plain HTTP 400/401/403/405/429/503.
server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) =>
  handleUpgrade(gate, wss, request, socket, head, {
    protocols,
    report: log,
    accepted: (ws, acceptance) => {
      // Registered for revocation, supervised (heartbeat, session re-check, lifetime), audited;
      // every frame routed (1003 binary, 1009 too big, 4429 too fast, BAD_JSON, VALIDATION_FAILED...).
      const { principal } = gate.openWebSocket(acceptance, ws, { router, report: log });
      ws.send(JSON.stringify({ type: 'welcome', user: principal.subject }));
    },
  }),
);

// Shutdown: new upgrades get 503, open sockets close with 1012 (clients reconnect elsewhere).
process.once('SIGTERM', () => void gate.drain().then(() => server.close()));

server.listen(3000);
