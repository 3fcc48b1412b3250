import { createHash } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { errorFrame, WsGateError } from '@wsgate/core';
import wsgate from '@wsgate/fastify';
import { CONTENT_SECURITY_POLICY, loadDemoAssets } from 'demo-web';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { ChatRooms } from './chat-rooms.js';
import type { SampleConfig } from './config.js';
import { messageSchemas, type ClientMessage } from './protocol.js';
import { connectRedisBackend } from './redis-backend.js';
import { MemorySessionStore, type SessionStore } from './sessions.js';
import { verifyCredentials } from './users.js';

declare module '@wsgate/fastify' {
  interface WsGateClaims {
    roles: string[];
  }
}

const SESSION_COOKIE = 'sid';

/** HTTP server limits against slow-loris and header-flood handshakes. */
export const HTTP_LIMITS = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 16_384,
  maxHeadersCount: 100,
});

function rateLimitKey(sessionToken: string | undefined, ip: string): string {
  return sessionToken === undefined
    ? `ip:${ip}`
    : `sid:${createHash('sha256').update(sessionToken).digest('base64url')}`;
}

/** Extra wiring for tests and multi-instance runs. */
export interface AppDependencies {
  sessions?: SessionStore;
  fastify?: FastifyServerOptions;
}

/** Builds the demo app (docs/demo-protocol.md) on @wsgate/fastify. */
export async function buildApp(
  config: SampleConfig,
  dependencies: AppDependencies = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: true,
    trustProxy: config.trustProxy,
    // Slow or oversized handshakes cannot hold the server: bounded header size and time.
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    http: { maxHeaderSize: HTTP_LIMITS.maxHeaderBytes },
    ...dependencies.fastify,
  });
  app.server.headersTimeout = HTTP_LIMITS.headersTimeoutMs;
  app.server.maxHeadersCount = HTTP_LIMITS.maxHeadersCount;
  // With REDIS_URL, tickets, sessions and revocations are shared by every instance.
  const redis = config.redisUrl === undefined ? undefined : connectRedisBackend(config.redisUrl, app.log);
  app.addHook('onClose', async () => redis?.close());
  const sessions = dependencies.sessions ?? redis?.sessions ?? new MemorySessionStore();
  const demoAssets = await loadDemoAssets();
  const rooms = new ChatRooms();

  const sessionOf = async (request: FastifyRequest) => {
    const id = request.cookies[SESSION_COOKIE];
    return id === undefined ? undefined : sessions.byToken(id);
  };

  // Store outages (Redis down) are answered in the protocol's error shape, without a stack.
  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof WsGateError && error.statusCode === 503) {
      request.log.warn({ event: 'demo.service_unavailable', code: error.code }, 'dependency unavailable');
      return reply.code(503).send({ error: 'SERVICE_UNAVAILABLE' });
    }
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: status === 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST' });
  });
  await app.register(fastifyCookie);
  await app.register(wsgate, {
    origins: { allow: config.allowedOrigins },
    tickets: { ttlMs: config.ticketTtlMs, store: redis?.ticketStore },
    transport: { trustProxy: config.trustProxy, requireSecure: config.requireSecure },
    messages: { schemas: messageSchemas },
    refusal: config.refusal,
    isSessionActive: (principal) =>
      principal.sessionId !== undefined && sessions.isActive(principal.sessionId),
    ticketRoute: {
      path: '/ws-ticket',
      // Per session; the key is a hash so the limiter never holds a usable cookie value.
      rateLimit: {
        max: 30,
        timeWindow: 60_000,
        keyGenerator: (request) => rateLimitKey(request.cookies[SESSION_COOKIE], request.ip),
      },
      authenticate: async (request) => {
        const session = await sessionOf(request);
        return (
          session && {
            subject: session.user.id,
            sessionId: session.id,
            claims: { roles: [...session.user.roles] },
          }
        );
      },
    },
  });

  const revocationBus = redis === undefined ? undefined : await redis.startRevocation(app.wsgate.registry);
  /** Closes the session's sockets here and, through Redis, on every other instance. */
  const revokeSession = async (sessionId: string) => {
    if (revocationBus === undefined) return void app.wsgate.revokeSession(sessionId, 'logged out');
    try {
      await revocationBus.revokeSession(sessionId, 'logged out');
    } catch (error) {
      // The local sockets are closed already; other instances re-check the session on their own.
      app.log.warn(
        { event: 'wsgate.revocation_publish_failed', err: (error as Error).message },
        'revocation not published',
      );
    }
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  // The demo page (shared with the NestJS sample): `/`, `/app.js` and the @wsgate/client build.
  const serveAsset = (path: string, reply: FastifyReply) => {
    const asset = demoAssets.get(path);
    if (asset === undefined) return reply.code(404).send({ error: 'NOT_FOUND' });
    return reply
      .type(asset.contentType)
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .send(asset.body);
  };
  app.get('/', async (_request, reply) => serveAsset('/', reply));
  app.get('/app.js', async (_request, reply) => serveAsset('/app.js', reply));
  app.get<{ Params: { file: string } }>('/vendor/wsgate-client/:file', async (request, reply) =>
    serveAsset(`/vendor/wsgate-client/${request.params.file}`, reply),
  );

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as { username?: unknown; password?: unknown };
    const user = verifyCredentials(body.username, body.password);
    if (user === undefined) return reply.code(401).send({ error: 'INVALID_CREDENTIALS' });
    const session = await sessions.create(user);
    reply.setCookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: config.tls !== undefined,
    });
    return { user: { id: user.id, roles: user.roles } };
  });

  app.post('/logout', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token === undefined ? undefined : await sessions.end(token);
    if (session !== undefined) await revokeSession(session.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/ws', { websocket: true }, (socket, request) => {
    const { principal } = request.wsgate;
    const user = principal.subject;
    const roles = principal.claims.roles;
    const { send } = request.wsgate;
    send(socket, { type: 'welcome', user, roles });

    request.wsgate.onMessage<ClientMessage>(socket, {
      join: ({ room }) => {
        rooms.join(room, socket);
        send(socket, { type: 'joined', room });
      },
      chat: ({ room, text }) => {
        if (!rooms.isMember(room, socket))
          return send(socket, errorFrame('NOT_IN_ROOM', 'join the room first'));
        const frame = JSON.stringify({ type: 'chat', room, from: user, text, at: Date.now() });
        for (const member of rooms.socketsIn(room)) send(member, frame);
      },
      whoami: () => send(socket, { type: 'whoami', user, roles }),
      announce: ({ text }) => {
        if (!roles.includes('admin')) return send(socket, errorFrame('FORBIDDEN', 'admin role required'));
        const frame = { type: 'announce', from: user, text };
        for (const client of app.websocketServer.clients) send(client, frame);
      },
    });
  });

  return app;
}
