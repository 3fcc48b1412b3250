import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  handshakeRequestFrom,
  WsGateConfigError,
  type ClosableConnection,
  type ConnectionRegistry,
  type IssueForRequestResult,
  type TicketSubject,
  type WsGate,
} from '@wsgate/core';
import { createConnections } from './connections.js';
import { createEngineGate } from './engine-gate.js';
import { configureEngine, type EngineConnection, type ServerParts } from './engine-setup.js';
import { hookNamespaces, type NamespaceHost } from './namespaces.js';
import { resolveSocketIoOptions, type WsGateSocketIoOptions } from './options.js';
import { createEventHandling } from './socket-events.js';
import type { WsGateClaims, WsGateSocket } from './types.js';

const kSecured = Symbol.for('@wsgate/socket.io.secured');

/** A Socket.IO 4 `Server` (any event maps), attached to an HTTP server. */
export interface SocketIoServerLike {
  readonly engine: unknown;
  readonly sockets: unknown;
  connectTimeout(ms: number): unknown;
}

/** Authenticates a ticket request with the app's own means: the user, or `null` for 401. */
export type TicketRequestAuthenticator = (
  request: IncomingMessage,
) => TicketSubject<WsGateClaims> | null | undefined | Promise<TicketSubject<WsGateClaims> | null | undefined>;

/** A secured Socket.IO server: tickets, revocation, the gate. */
export interface WsGateSocketIo {
  /** The core gate (ticket service, policies, registry, supervisor) the server runs on. */
  readonly gate: WsGate<WsGateClaims>;
  /** Open authenticated connections of this instance (give it to the Redis revocation bus). */
  readonly registry: ConnectionRegistry<ClosableConnection>;
  /**
   * Disconnects every connection opened from this session on this instance, after an
   * `exception` `{ code: 'UNAUTHENTICATED', message: reason }` (a server-side disconnect:
   * socket.io-client does not reconnect). Returns how many.
   */
  revokeSession(sessionId: string, reason?: string): number;
  /** The same for every connection of `subject`. Returns how many. */
  revokeSubject(subject: string, reason?: string): number;
  /**
   * Issues a ticket for the authenticated user of `request`, in your own route: refuses a
   * foreign Origin (`{ ok: false, status: 403 }`); rejects with a `WsGateError` (503) when the
   * store is down.
   */
  issueTicket(request: IncomingMessage, user: TicketSubject<WsGateClaims>): Promise<IssueForRequestResult>;
  /**
   * Answers a ticket request on node:http (your `POST /ws-ticket`): Origin, `authenticate`,
   * the per-session rate limit, the ticket; `{ ticket, expiresAt }` or `{ error }`, always
   * `Cache-Control: no-store`. Never rejects.
   */
  handleTicketRequest(
    request: IncomingMessage,
    response: ServerResponse,
    authenticate: TicketRequestAuthenticator,
  ): Promise<void>;
  /** Closes the ticket service when the gate was built here (call it after `io.close()`). */
  close(): Promise<void>;
}

/**
 * Secures a Socket.IO 4 server, on whatever HTTP server it is attached to (node:http, Fastify's
 * `fastify.server`, NestJS's `IoAdapter`). Call it right after creating the `Server`, before
 * your own middlewares:
 * - every Engine.IO request (handshakes, WebSocket upgrades, long-polling requests with a `sid`)
 *   passes core's checks before Engine.IO sees it: a refused one gets HTTP 400/401/403/429/503
 *   and `{ error: CODE }`, and no session;
 * - WebSocket only, unless `polling: true`; Engine.IO's limits set from core's;
 * - the principal is on `socket.data.principal`, never read from the client's `auth`;
 * - every event is checked (binary, rate, prototype keys, shape, schema, roles) before its
 *   handler in `events` runs;
 * - revocation (`revokeSession`, `revokeSubject`, the Redis revocation bus on `registry`)
 *   disconnects the sockets after an `exception` event.
 *
 * @example
 * const io = new Server(httpServer);
 * const wsgate = wsgateSocketIo(io, {
 *   origins: { allow: ['https://app.example.com'] },
 *   events: defineEvents({
 *     whoami: { schema: Type.Object({}), handler: (_payload, { principal }) => ({ ok: true, user: principal.subject }) },
 *   }),
 * });
 * io.on('connection', (socket) => socket.emit('welcome', { user: socket.data.principal.subject }));
 */
export function wsgateSocketIo(io: SocketIoServerLike, options: WsGateSocketIoOptions): WsGateSocketIo {
  if ((io as { [kSecured]?: true })[kSecured] === true)
    throw new WsGateConfigError(
      'this Server is already secured by @wsgate (wsgateSocketIo was called twice)',
    );
  const config = resolveSocketIoOptions(options);
  const { gate, report } = config;
  const server = io as unknown as ServerParts & NamespaceHost;
  const sessionRequestOf = (sid: string) => {
    const clients = (server.engine as unknown as { clients: Record<string, EngineConnection> }).clients;
    return Object.hasOwn(clients, sid) ? clients[sid]?.request : undefined;
  };
  const engineGate = createEngineGate(config, sessionRequestOf);
  const engine = configureEngine(server, gate, config.polling, engineGate.upgraded);
  engine.use(engineGate.middleware);
  const connections = createConnections(config, engineGate.sessionOpened);
  engine.on('connection', connections.admit);
  Object.defineProperty(io, kSecured, { value: true });
  hookNamespaces(server, (socket: WsGateSocket) => connections.of(socket.conn), createEventHandling(config));

  return Object.freeze({
    gate,
    registry: gate.registry,
    revokeSession: (sessionId: string, reason?: string) => gate.registry.revokeSession(sessionId, reason),
    revokeSubject: (subject: string, reason?: string) => gate.registry.revokeSubject(subject, reason),
    issueTicket: (request: IncomingMessage, user: TicketSubject<WsGateClaims>) =>
      gate.issueForRequest(handshakeRequestFrom(request), user),
    async handleTicketRequest(
      request: IncomingMessage,
      response: ServerResponse,
      authenticate: TicketRequestAuthenticator,
    ) {
      const answer = await gate.answerTicketRequest(handshakeRequestFrom(request), () =>
        authenticate(request),
      );
      report(answer.audit);
      response
        .writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json' })
        .end(JSON.stringify(answer.body));
    },
    async close() {
      if (config.ownsGate) await gate.tickets.close();
    },
  });
}
