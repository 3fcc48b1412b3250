import type { IncomingMessage } from 'node:http';
import fastifyWebsocket from '@fastify/websocket';
import {
  handshakeRequestFrom,
  redactUrlForLog,
  TICKET_SUBPROTOCOL_PREFIX,
  type ConnectionReservation,
  type HandshakeRefusal,
  type Principal,
  type TicketClaims,
} from '@wsgate/core';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { FST_WSGATE_NO_MESSAGE_GUARD, FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED } from './errors.js';
import { createFrameSender, dispatchMessages } from './message-dispatcher.js';
import {
  resolvePluginOptions,
  type WebSocketServerOptions,
  type WsGatePluginConfig,
  type WsGatePluginOptions,
} from './options.js';
import { registerTicketRoute } from './ticket-route.js';
import type { WsGateClaims, WsGateDecorator, WsGateRequestContext } from './types.js';
import { interceptUpgrades, type UpgradeInterception } from './upgrade-interceptor.js';

const kSelectedProtocol = Symbol('wsgate.selected-protocol');
const kRefusal = Symbol('wsgate.refusal');
const kReservation = Symbol('wsgate.reservation');

type MarkedRequest = IncomingMessage & {
  [kSelectedProtocol]?: string;
  [kRefusal]?: HandshakeRefusal;
  [kReservation]?: ConnectionReservation;
};

type WebsocketHandler = (
  this: FastifyInstance,
  socket: WebSocket,
  request: FastifyRequest,
) => void | Promise<void>;

function asHookArray(hooks: RouteOptions['onRequest']): onRequestHookHandler[] {
  if (hooks === undefined) return [];
  return (Array.isArray(hooks) ? hooks : [hooks]) as onRequestHookHandler[];
}

/** ws `handleProtocols`: `wsgate` when the ticket came as a subprotocol, else the first offered non-ticket entry. */
function selectProtocol(protocols: Set<string>, request: IncomingMessage): string | false {
  const selected = (request as MarkedRequest)[kSelectedProtocol];
  if (selected !== undefined) return selected;
  for (const protocol of protocols) if (!protocol.startsWith(TICKET_SUBPROTOCOL_PREFIX)) return protocol;
  return false;
}

function wsgatePlugin<TClaims extends TicketClaims>(
  fastify: FastifyInstance,
  config: WsGatePluginConfig<TClaims>,
  interception: UpgradeInterception,
): {
  authorizeUpgrade: onRequestHookHandler;
  refuseUpgrade: onRequestHookHandler;
  wrapHandler: (handler: WebsocketHandler) => WebsocketHandler;
} {
  const { gate } = config;
  const send = createFrameSender(gate.supervisor);

  function requestContext(
    request: FastifyRequest,
    result: {
      principal: WsGateRequestContext['principal'];
      clientIp: string | undefined;
      origin: string | undefined;
    },
  ): WsGateRequestContext {
    return {
      principal: result.principal,
      clientIp: result.clientIp,
      origin: result.origin,
      send,
      onMessage(socket, handlers) {
        if (gate.messageGuard === undefined) throw new FST_WSGATE_NO_MESSAGE_GUARD();
        dispatchMessages(socket, gate.messageGuard.forConnection(), handlers, request.log, send);
      },
    };
  }

  async function authorizeUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!request.ws) return;
    // The request was redacted on arrival: authorize with what was read from it then.
    const result = await gate.authorizeUpgrade(handshakeRequestFrom(request.raw), {
      inspection: interception.inspectionOf(request.raw),
    });
    if (result.ok) {
      const raw = request.raw as MarkedRequest;
      raw[kReservation] = result.reservation;
      // Client gone before the upgrade completed: give the connection slot back at once.
      // (A synthetic request from injectWS may carry a plain `{ remoteAddress }` as its socket.)
      if (typeof raw.socket?.once === 'function')
        raw.socket.once('close', () => result.reservation.release());
      if (result.protocol !== undefined) raw[kSelectedProtocol] = result.protocol;
      request.wsgate = requestContext(
        request,
        result as typeof result & { principal: WsGateRequestContext['principal'] },
      );
      request.log.info(
        {
          event: 'wsgate.upgrade_accepted',
          subject: result.principal.subject,
          sessionId: result.principal.sessionId,
          ip: result.clientIp,
        },
        'WebSocket upgrade accepted',
      );
      return;
    }
    request.log.info(
      {
        event: 'wsgate.upgrade_refused',
        code: result.code,
        reason: result.reason,
        ip: result.clientIp,
        origin: request.headers.origin,
      },
      'WebSocket upgrade refused',
    );
    if (gate.refusal === 'close-frame') {
      (request.raw as MarkedRequest)[kRefusal] = result;
      return;
    }
    await reply.code(result.status).header('cache-control', 'no-store').send({ error: result.code });
  }

  async function refuseUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // @fastify/websocket would open, then close, a socket on any route: never open one here.
    if (request.ws) await reply.code(404).send({ error: 'NOT_FOUND' });
  }

  function wrapHandler(handler: WebsocketHandler): WebsocketHandler {
    return function authenticatedWebsocketHandler(
      this: FastifyInstance,
      socket: WebSocket,
      request: FastifyRequest,
    ) {
      const refusal = (request.raw as MarkedRequest)[kRefusal];
      if (refusal !== undefined) {
        socket.close(refusal.closeCode, refusal.code);
        return;
      }
      const { principal } = request.wsgate;
      const reservation = (request.raw as MarkedRequest)[kReservation];
      const unregister =
        reservation === undefined
          ? gate.registry.add(principal, socket, request.wsgate.clientIp)
          : reservation.attach(socket);
      const { isSessionActive } = gate;
      gate.supervisor.supervise(
        socket,
        isSessionActive === undefined
          ? undefined
          : () => isSessionActive(principal as unknown as Principal<TClaims>),
      );
      socket.once('close', (code: number) => {
        unregister();
        request.log.info(
          { event: 'wsgate.close', code, subject: principal.subject, sessionId: principal.sessionId },
          'WebSocket closed',
        );
      });
      return handler.call(this, socket, request);
    };
  }

  return { authorizeUpgrade, refuseUpgrade, wrapHandler };
}

/**
 * @fastify/websocket's `errorHandler`: errors on an open socket are the client's (a frame over
 * the size limit, a protocol violation): one `info` line with ws's error code, no stack, and the
 * socket is dropped (ws has already sent the close frame with the right code).
 */
function onSocketError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: WebSocket,
  request: FastifyRequest,
): void {
  request.log.info({ event: 'wsgate.socket_error', code: error.code }, 'WebSocket protocol error');
  socket.terminate();
}

async function wsgate<TClaims extends TicketClaims = WsGateClaims>(
  fastify: FastifyInstance,
  options: WsGatePluginOptions<TClaims>,
): Promise<void> {
  const config = resolvePluginOptions(options);
  if (fastify.hasDecorator('websocketServer')) throw new FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED();
  const { gate } = config;
  // The ticket is out of the request before Fastify (and its request log) sees it, and every
  // upgrade ends as a WebSocket or a destroyed socket (see interceptUpgrades).
  const interception = interceptUpgrades(fastify.server, gate, gate.upgradeTimeoutMs);
  const redactPlainRequest = (request: IncomingMessage) => {
    request.url = redactUrlForLog(request.url ?? '/', gate.queryParam);
  };
  fastify.server.prependListener('request', redactPlainRequest);
  fastify.addHook('onClose', async () => {
    interception.stop();
    fastify.server.removeListener('request', redactPlainRequest);
  });
  const hooks = wsgatePlugin(fastify, config, interception);

  // Added before @fastify/websocket registers, so this onRoute hook sees the user's handler first.
  fastify.addHook('onRoute', (route) => {
    const isWebsocketRoute = (route as RouteOptions & { websocket?: boolean }).websocket === true;
    if (!isWebsocketRoute) {
      route.onRequest = [hooks.refuseUpgrade, ...asHookArray(route.onRequest)];
      return;
    }
    if (route.config?.wsgate === false) return;
    route.onRequest = [hooks.authorizeUpgrade, ...asHookArray(route.onRequest)];
    route.handler = hooks.wrapHandler(
      route.handler as unknown as WebsocketHandler,
    ) as unknown as RouteOptions['handler'];
  });

  await fastify.register(fastifyWebsocket, {
    // @fastify/websocket listens to `server` instead of fastify.server: it sees inspected upgrades.
    options: {
      ...config.websocket,
      handleProtocols: selectProtocol,
      server: interception.relay as unknown as NonNullable<WebSocketServerOptions['server']>,
    },
    errorHandler: onSocketError,
  });
  fastify.websocketServer.on('connection', (_socket: WebSocket, request: IncomingMessage) =>
    interception.upgraded(request),
  );
  fastify.decorateRequest('wsgate', null as unknown as WsGateRequestContext);

  const decorator: WsGateDecorator = {
    gate: gate as unknown as WsGateDecorator['gate'],
    registry: gate.registry,
    issueTicket: (request, user) =>
      gate.issueForRequest(handshakeRequestFrom(request.raw), user as { subject: string; claims?: TClaims }),
    revokeSession: (sessionId, reason) => gate.registry.revokeSession(sessionId, reason),
    revokeSubject: (subject, reason) => gate.registry.revokeSubject(subject, reason),
  };
  fastify.decorate('wsgate', decorator);

  if (config.ticketRoute !== undefined) await registerTicketRoute(fastify, gate, config.ticketRoute);
  fastify.addHook('onClose', async () => {
    await gate.tickets.close();
  });
}

/**
 * The @wsgate Fastify plugin. Registers @fastify/websocket with safe defaults and makes
 * every WebSocket route authenticated: the upgrade passes the core handshake authorizer
 * (transport, Origin, single-use ticket) in an `onRequest` hook, before any socket exists.
 *
 * @example
 * await app.register(wsgate, {
 *   origins: { allow: ['https://app.example.com'] },
 *   ticketRoute: { authenticate: (request) => sessions.userOf(request) },
 * });
 * app.get('/ws', { websocket: true }, (socket, request) => {
 *   socket.send(JSON.stringify({ hello: request.wsgate.principal.subject }));
 * });
 */
export const wsgateFastify: FastifyPluginAsync<WsGatePluginOptions<WsGateClaims>> = fp(wsgate<WsGateClaims>, {
  fastify: '5.x',
  name: '@wsgate/fastify',
});
