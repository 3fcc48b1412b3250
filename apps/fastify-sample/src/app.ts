import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import wsgate, { defineMessages, MessageRejection } from '@wsgate/fastify';
import {
  announceFrame,
  ChatRooms,
  clientAddressResolver,
  createDemoBackend,
  demoGateOptions,
  errorAnswer,
  loginAccountOf,
  SESSION_COOKIE,
  sessionCookieOptions,
  welcomeFrame,
  whoamiFrame,
  type DemoConfig,
  type DemoLogger,
  type DemoTrustProxy,
  type HttpAnswer,
} from 'demo-kit';
import { CONTENT_SECURITY_POLICY, loadDemoAssets } from 'demo-web';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { WebSocket } from 'ws';
import { messageSchemas } from './protocol.js';

declare module '@wsgate/fastify' {
  interface WsGateClaims {
    roles: string[];
  }
}

/** HTTP server limits against slow-loris and header-flood handshakes. */
export const HTTP_LIMITS = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 16_384,
  maxHeadersCount: 100,
});

/** `TRUST_PROXY` as Fastify's option takes it (a hop count as the function proxy-addr makes of it). */
function fastifyTrustProxy(
  trust: DemoTrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}

/** The kit's logger on pino: one JSON line with `event` and the fields. */
function demoLogger(log: FastifyBaseLogger): DemoLogger {
  return {
    info: (event, message, fields) => log.info({ ...fields, event }, message),
    warn: (event, message, fields) => log.warn({ ...fields, event }, message),
    error: (event, message, fields) => log.error({ ...fields, event }, message),
  };
}

function answer(reply: FastifyReply, { status, body }: HttpAnswer): FastifyReply {
  return reply.code(status).send(body);
}

type RateLimiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Answers 429 `RATE_LIMITED` (with `Retry-After`) when `limiter` counts `request` over its limit. */
async function refusedOverLimit(limiter: RateLimiter, request: FastifyRequest, reply: FastifyReply) {
  const result = await limiter(request);
  if (result.isAllowed || !result.isExceeded) return false;
  answer(reply.header('retry-after', result.ttlInSeconds), errorAnswer(429));
  return true;
}

/** Extra wiring for tests and multi-instance runs. */
export interface AppDependencies {
  fastify?: FastifyServerOptions;
}

/** Builds the demo app (docs/demo-protocol.md) on @wsgate/fastify and the demo kit. */
export async function buildApp(
  config: DemoConfig,
  dependencies: AppDependencies = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: true,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Slow or oversized handshakes cannot hold the server: bounded header size and time.
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    http: { maxHeaderSize: HTTP_LIMITS.maxHeaderBytes },
    ...dependencies.fastify,
  });
  app.server.headersTimeout = HTTP_LIMITS.headersTimeoutMs;
  app.server.maxHeadersCount = HTTP_LIMITS.maxHeadersCount;
  // With REDIS_URL, tickets, sessions and revocations are shared by every instance.
  const backend = createDemoBackend(config, demoLogger(app.log));
  app.addHook('onClose', () => backend.close());
  const { auth } = backend;
  const demoAssets = await loadDemoAssets();
  const rooms = new ChatRooms<WebSocket>(config.maxRoomsPerSocket);
  const cookieOptions = sessionCookieOptions(config.tls !== undefined);

  // Errors in the protocol's shape: a short code, no stack, never a quote of the request.
  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    const refusal = errorAnswer(error.statusCode);
    if (refusal.status === 503)
      request.log.warn({ event: 'demo.service_unavailable', code: error.code }, 'dependency unavailable');
    if (refusal.status === 500) request.log.error({ err: error }, 'request failed');
    return answer(reply, refusal);
  });
  app.setNotFoundHandler((_request, reply) => answer(reply, errorAnswer(404)));
  await app.register(fastifyCookie);
  // Tickets, sessions, caps and metrics as both samples have them (demo kit); app.close() drains.
  await app.register(wsgate, {
    ...demoGateOptions(config, backend),
    ticketRoute: {
      path: '/ws-ticket',
      // 30 tickets per session and minute (the protocol's, counted by @wsgate after authenticate),
      // and a guard against floods per client address in front of it.
      perSession: { max: 30, windowMs: 60_000 },
      perAddress: { max: config.ticketLimitPerAddress, windowMs: 60_000 },
      authenticate: (request) => auth.ticketSubject(request.cookies[SESSION_COOKIE]),
    },
  });
  await backend.revocation.start(app.wsgate.registry);

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Prometheus text from the app's own route; loopback peers only by default (METRICS).
  app.get('/metrics', async (request, reply) => {
    if (!backend.metrics.allows(request.raw.socket.remoteAddress)) return answer(reply, errorAnswer(404));
    reply.hijack();
    backend.metrics.serve(request.raw, reply.raw);
  });
  // The demo page (shared with the NestJS samples): `/`, `/app.js`, its `ws` transport and the
  // @wsgate/client build.
  const serveAsset = (path: string, reply: FastifyReply) => {
    const asset = demoAssets.get(path);
    if (asset === undefined) return answer(reply, errorAnswer(404));
    return reply
      .type(asset.contentType)
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .send(asset.body);
  };
  app.get('/', async (_request, reply) => serveAsset('/', reply));
  app.get('/app.js', async (_request, reply) => serveAsset('/app.js', reply));
  app.get('/chat-transport.js', async (_request, reply) => serveAsset('/chat-transport.js', reply));
  app.get<{ Params: { file: string } }>('/vendor/wsgate-client/:file', async (request, reply) =>
    serveAsset(`/vendor/wsgate-client/${request.params.file}`, reply),
  );

  // POST /login behind two limiters (@fastify/rate-limit, in their own scope): per client
  // address before anything else, per account once the body is parsed.
  await app.register(async function loginRoute(scope) {
    await scope.register(fastifyRateLimit, { global: false });
    const { perAddress, perAccount, windowMs } = config.loginLimits;
    // The address @wsgate resolves (an unparsable X-Forwarded-For counts as the proxy's).
    const clientAddress = clientAddressResolver(config.trustProxy);
    const byAddress = scope.createRateLimit({
      max: perAddress,
      timeWindow: windowMs,
      keyGenerator: (request) => clientAddress(request.raw),
    });
    const byAccount = scope.createRateLimit({
      max: perAccount,
      timeWindow: windowMs,
      keyGenerator: (request) => `account:${loginAccountOf(request.body) ?? ''}`,
    });
    scope.post(
      '/login',
      {
        onRequest: async (request, reply) => {
          if (await refusedOverLimit(byAddress, request, reply)) return reply;
        },
        preHandler: async (request, reply) => {
          if (loginAccountOf(request.body) === undefined) return;
          if (await refusedOverLimit(byAccount, request, reply)) return reply;
        },
      },
      async (request, reply) => {
        const login = await auth.login({ contentType: request.headers['content-type'], body: request.body });
        if (login.sessionToken !== undefined)
          reply.setCookie(SESSION_COOKIE, login.sessionToken, cookieOptions);
        return answer(reply, login);
      },
    );
  });

  app.post('/logout', async (request, reply) => {
    const logout = await auth.logout(request.cookies[SESSION_COOKIE]);
    if (logout.clearCookie) reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return answer(reply, logout);
  });

  // Every message type: its schema (checked first) and, for announce, the role it needs.
  const messages = defineMessages({
    join: {
      schema: messageSchemas.join,
      handler: ({ room }, { socket }) => {
        const joined = rooms.join(socket, room);
        if (!joined.ok) throw new MessageRejection(joined.code, joined.message);
        return joined.reply;
      },
    },
    chat: {
      schema: messageSchemas.chat,
      handler: ({ room, text }, { socket, principal }) => {
        const chat = rooms.chat(socket, principal.subject, room, text);
        if (!chat.ok) throw new MessageRejection(chat.code, chat.message);
        const frame = JSON.stringify(chat.frame);
        for (const member of chat.recipients) app.wsgate.send(member, frame);
      },
    },
    whoami: {
      schema: messageSchemas.whoami,
      handler: (_message, { principal }) => whoamiFrame(principal.subject, principal.claims.roles),
    },
    announce: {
      schema: messageSchemas.announce,
      roles: ['admin'], // FORBIDDEN for everyone else, from @wsgate
      handler: ({ text }, { principal }) => {
        const frame = announceFrame(principal.subject, text);
        for (const client of app.websocketServer.clients) app.wsgate.send(client, frame);
      },
    },
  });

  app.get('/ws', { websocket: true, config: { wsgate: { messages } } }, (socket, request) => {
    const { principal, send } = request.wsgate;
    send(socket, welcomeFrame(principal.subject, principal.claims.roles));
    socket.once('close', () => rooms.leaveAll(socket));
  });

  return app;
}
