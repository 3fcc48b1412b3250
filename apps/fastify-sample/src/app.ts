import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import fastifyCookie from '@fastify/cookie';
import { errorFrame } from '@wsgate/core';
import wsgate from '@wsgate/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { ChatRooms } from './chat-rooms.js';
import type { SampleConfig } from './config.js';
import { messageSchemas, type ClientMessage } from './protocol.js';
import { MemorySessionStore, type SessionStore } from './sessions.js';
import { verifyCredentials } from './users.js';

declare module '@wsgate/fastify' {
  interface WsGateClaims {
    roles: string[];
  }
}

const SESSION_COOKIE = 'sid';

function rateLimitKey(sessionToken: string | undefined, ip: string): string {
  return sessionToken === undefined ? `ip:${ip}` : `sid:${createHash('sha256').update(sessionToken).digest('base64url')}`;
}
/** The demo page runs only its own script: an injected `<script>` or inline handler would not run. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Extra wiring for tests and multi-instance runs. */
export interface AppDependencies {
  sessions?: SessionStore;
  fastify?: FastifyServerOptions;
}

/** Builds the demo app (docs/demo-protocol.md) on @wsgate/fastify. */
export async function buildApp(config: SampleConfig, dependencies: AppDependencies = {}): Promise<FastifyInstance> {
  const sessions = dependencies.sessions ?? new MemorySessionStore();
  const app = Fastify({ logger: true, trustProxy: config.trustProxy, ...dependencies.fastify });
  const page = await readFile(new URL('./public/index.html', import.meta.url), 'utf8');
  const script = await readFile(new URL('./public/app.js', import.meta.url), 'utf8');
  const rooms = new ChatRooms();

  const sessionOf = async (request: FastifyRequest) => {
    const id = request.cookies[SESSION_COOKIE];
    return id === undefined ? undefined : sessions.byToken(id);
  };

  await app.register(fastifyCookie);
  await app.register(wsgate, {
    origins: { allow: config.allowedOrigins },
    tickets: { ttlMs: config.ticketTtlMs },
    transport: { trustProxy: config.trustProxy, requireSecure: config.requireSecure },
    messages: { schemas: messageSchemas },
    isSessionActive: (principal) => principal.sessionId !== undefined && sessions.isActive(principal.sessionId),
    ticketRoute: {
      path: '/ws-ticket',
      // Per session; the key is a hash so the limiter never holds a usable cookie value.
      rateLimit: { max: 30, timeWindow: 60_000, keyGenerator: (request) => rateLimitKey(request.cookies[SESSION_COOKIE], request.ip) },
      authenticate: async (request) => {
        const session = await sessionOf(request);
        return session && { subject: session.user.id, sessionId: session.id, claims: { roles: [...session.user.roles] } };
      },
    },
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .send(page),
  );
  app.get('/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script));

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as { username?: unknown; password?: unknown };
    const user = verifyCredentials(body.username, body.password);
    if (user === undefined) return reply.code(401).send({ error: 'INVALID_CREDENTIALS' });
    const session = await sessions.create(user);
    reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'strict', path: '/', secure: config.tls !== undefined });
    return { user: { id: user.id, roles: user.roles } };
  });

  app.post('/logout', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token === undefined ? undefined : await sessions.end(token);
    if (session !== undefined) app.wsgate.revokeSession(session.id, 'logged out');
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
        if (!rooms.isMember(room, socket)) return send(socket, errorFrame('NOT_IN_ROOM', 'join the room first'));
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
