import type { IncomingMessage } from 'node:http';
import fastifyWebsocket from '@fastify/websocket';
import { coalesceHandshakeWrites, handshakeRequestFrom, interceptUpgrades } from '@wsgate/core';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyRequest,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { logAudit } from './audit-log.js';
import { FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED } from './errors.js';
import { resolvePluginOptions, type WebSocketServerOptions, type WsGatePluginOptions } from './options.js';
import { createRouteHooks, type WebsocketHandler } from './route-hooks.js';
import { compileRouteMessaging } from './route-messages.js';
import { registerTicketRoute } from './ticket-route.js';
import type { WsGateDecorator, WsGateRequestContext } from './types.js';

function asHookArray(hooks: RouteOptions['onRequest']): onRequestHookHandler[] {
  if (hooks === undefined) return [];
  return (Array.isArray(hooks) ? hooks : [hooks]) as onRequestHookHandler[];
}

async function wsgate(fastify: FastifyInstance, options: WsGatePluginOptions): Promise<void> {
  const config = resolvePluginOptions(options);
  if (fastify.hasDecorator('websocketServer')) throw new FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED();
  const { gate } = config;

  // The ticket is out of the request before Fastify (and its request log) sees it, and every
  // upgrade ends as a WebSocket or a destroyed socket (see interceptUpgrades).
  const interception = interceptUpgrades(fastify.server, gate, (event) => logAudit(fastify.log, event));
  fastify.addHook('onClose', async () => interception.stop());
  // Before @fastify/websocket's own preClose (which closes sockets without a code): 503 to new
  // upgrades, 1012 to open sockets, within drain.delayMs + drain.timeoutMs.
  fastify.addHook('preClose', async () => {
    await gate.drain();
  });
  const hooks = createRouteHooks(gate, interception);

  // Added before @fastify/websocket registers, so this onRoute hook sees the user's handler first.
  fastify.addHook('onRoute', (route) => {
    const isWebsocketRoute = (route as RouteOptions & { websocket?: boolean }).websocket === true;
    if (!isWebsocketRoute) {
      route.onRequest = [hooks.refuseUpgrade, ...asHookArray(route.onRequest)];
      return;
    }
    const routeConfig = route.config?.wsgate;
    if (routeConfig === false) return;
    const messaging = compileRouteMessaging(gate, route.url, routeConfig);
    route.onRequest = [hooks.authorizeUpgrade, ...asHookArray(route.onRequest)];
    route.handler = hooks.wrapHandler(
      route.handler as unknown as WebsocketHandler,
      messaging,
    ) as unknown as RouteOptions['handler'];
  });

  await fastify.register(fastifyWebsocket, {
    // @fastify/websocket listens to `server` instead of fastify.server: it sees inspected upgrades.
    options: {
      ...config.websocket,
      handleProtocols: hooks.selectProtocol,
      server: interception.relay as unknown as NonNullable<WebSocketServerOptions['server']>,
    },
    // Errors on an open socket are the client's (a frame over the limit): one info line, no stack.
    errorHandler(error: Error & { code?: string }, socket: WebSocket, request: FastifyRequest) {
      logAudit(request.log, gate.audit.socketError(error.code));
      socket.terminate();
    },
  });
  // The 101 and the handler's first frames leave in one write (one wake-up of the client).
  coalesceHandshakeWrites(fastify.websocketServer);
  fastify.websocketServer.on('connection', (_socket: WebSocket, request: IncomingMessage) =>
    interception.upgraded(request),
  );
  fastify.decorateRequest('wsgate', null as unknown as WsGateRequestContext);

  const decorator: WsGateDecorator = {
    gate,
    registry: gate.registry,
    issueTicket: (request, user) => gate.issueForRequest(handshakeRequestFrom(request.raw), user),
    revokeSession: (sessionId, reason) => gate.registry.revokeSession(sessionId, reason),
    revokeSubject: (subject, reason) => gate.registry.revokeSubject(subject, reason),
    send: hooks.send,
  };
  fastify.decorate('wsgate', decorator);

  if (config.ticketRoute !== undefined) await registerTicketRoute(fastify, gate, config.ticketRoute);
  fastify.addHook('onClose', async () => {
    await gate.tickets.close();
  });
}

/**
 * The @wsgate Fastify plugin. Registers @fastify/websocket with @wsgate's limits and makes every
 * WebSocket route authenticated: the upgrade passes the core handshake check (syntax,
 * transport, Origin, brute-force limit, single-use ticket, session, connection caps) in an
 * `onRequest` hook, before any socket exists; every message is checked against the route's
 * declared schemas and roles before its handler runs.
 *
 * @example
 * await app.register(wsgate, {
 *   origins: { allow: ['https://app.example.com'] },
 *   ticketRoute: { authenticate: (request) => sessions.userOf(request) },
 * });
 * const messages = defineMessages({
 *   whoami: { schema: Type.Object({ type: Type.Literal('whoami') }), handler: (_message, { principal }) => ({ type: 'whoami', user: principal.subject }) },
 * });
 * app.get('/ws', { websocket: true, config: { wsgate: { messages } } }, (socket, request) => {
 *   request.wsgate.send(socket, { type: 'welcome', user: request.wsgate.principal.subject });
 * });
 */
export const wsgateFastify: FastifyPluginAsync<WsGatePluginOptions> = fp(wsgate, {
  fastify: '5.x',
  name: '@wsgate/fastify',
});
