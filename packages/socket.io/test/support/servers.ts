// Real Socket.IO servers secured by @wsgate for the specs, on node:http or Fastify 5, listening
// on 127.0.0.1. Not a spec file.
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handshakeRequestFrom, type AuditEvent, type TicketSubject } from '@wsgate/core';
import Fastify from 'fastify';
import { Server, type DefaultEventsMap, type ServerOptions } from 'socket.io';
import { onTestFinished } from 'vitest';
import {
  wsgateSocketIo,
  type WsGateClaims,
  type WsGateSocketData,
  type WsGateSocketIo,
  type WsGateSocketIoOptions,
} from '../../src/index.js';
import { testEvents } from './protocol.js';

export const ALLOWED_ORIGIN = 'https://app.example.com';
export const OTHER_ALLOWED_ORIGIN = 'https://admin.example.com';
export const FOREIGN_ORIGIN = 'https://evil.example.net';
export const TICKET_PATH = '/ws-ticket';

/** The test ticket route's user: `x-test-user` (subject), `x-test-session`, `x-test-roles` (comma list). */
export function userFromHeaders(request: IncomingMessage): TicketSubject<WsGateClaims> | null {
  const subject = request.headers['x-test-user'];
  if (typeof subject !== 'string') return null;
  const session = request.headers['x-test-session'];
  const roles = request.headers['x-test-roles'];
  return {
    subject,
    sessionId: typeof session === 'string' ? session : undefined,
    claims: { roles: typeof roles === 'string' ? roles.split(',') : ['member'] },
  };
}

export interface TestServer {
  readonly io: Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, WsGateSocketData>;
  readonly wsgate: WsGateSocketIo;
  readonly port: number;
  readonly origin: string;
  /** Every audit event logged, in order. */
  readonly audit: AuditEvent[];
  /** Closes Socket.IO and the gate once (also done when the test finishes). */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** @wsgate options over the defaults (allowlist, test events, audit capture). */
  wsgate?: Partial<WsGateSocketIoOptions>;
  /** Socket.IO server options. */
  io?: Partial<ServerOptions>;
  /** Runs after securing, before listening (connection handlers, namespaces). */
  setup?: (server: Pick<TestServer, 'io' | 'wsgate' | 'audit'>) => void;
}

function defaultOptions(audit: AuditEvent[]): WsGateSocketIoOptions {
  return {
    origins: { allow: [ALLOWED_ORIGIN, OTHER_ALLOWED_ORIGIN] },
    events: testEvents,
    logger: (event) => audit.push(event),
  };
}

function welcome(io: TestServer['io']): void {
  io.on('connection', (socket) => {
    const { principal } = socket.data;
    socket.emit('welcome', { user: principal.subject, roles: principal.claims['roles'] });
  });
}

function secure(io: TestServer['io'], options: TestServerOptions, audit: AuditEvent[]): WsGateSocketIo {
  const wsgate = wsgateSocketIo(io, { ...defaultOptions(audit), ...options.wsgate });
  (options.setup ?? ((server) => welcome(server.io)))({ io, wsgate, audit });
  return wsgate;
}

/** A node:http server with Socket.IO and the ticket route; closed when the test finishes. */
export async function startHttpServer(options: TestServerOptions = {}): Promise<TestServer> {
  const audit: AuditEvent[] = [];
  const secured: { wsgate?: WsGateSocketIo } = {};
  const http: HttpServer = createServer((request, response) => {
    if (request.method === 'POST' && request.url === TICKET_PATH && secured.wsgate !== undefined) {
      void secured.wsgate.handleTicketRequest(request, response, userFromHeaders);
      return;
    }
    response.writeHead(404).end();
  });
  const io: TestServer['io'] = new Server(http, { serveClient: false, ...options.io });
  const wsgate = secure(io, options, audit);
  secured.wsgate = wsgate;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await io.close();
      await wsgate.close();
    })());
  onTestFinished(close);
  const { port } = http.address() as AddressInfo;
  return { io, wsgate, port, origin: `http://127.0.0.1:${port}`, audit, close };
}

/** A Fastify 5 app with Socket.IO attached to `fastify.server` and the ticket route. */
export async function startFastifyServer(options: TestServerOptions = {}): Promise<TestServer> {
  const audit: AuditEvent[] = [];
  const app = Fastify({ logger: false });
  const io: TestServer['io'] = new Server(app.server, { serveClient: false, ...options.io });
  const wsgate = secure(io, options, audit);
  app.post(TICKET_PATH, async (request, reply) => {
    const answer = await wsgate.gate.answerTicketRequest(handshakeRequestFrom(request.raw), () =>
      userFromHeaders(request.raw),
    );
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  // As fastify-socket.io does: sockets go before the server stops, Socket.IO after.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true);
  });
  app.addHook('onClose', async () => {
    await io.close();
    await wsgate.close();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  onTestFinished(close);
  const { port } = app.server.address() as AddressInfo;
  return { io, wsgate, port, origin: `http://127.0.0.1:${port}`, audit, close };
}

/** Both kinds of server, for `describe.each`. */
export const SERVERS = [
  ['node:http', startHttpServer],
  ['Fastify 5', startFastifyServer],
] as const;
