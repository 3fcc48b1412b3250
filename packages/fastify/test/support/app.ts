// Builds Fastify apps with @wsgate/fastify for the specs. Not a spec file.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { onTestFinished } from 'vitest';
import wsgate, { type TicketSubject, type WsGateClaims, type WsGatePluginOptions } from '../../src/index.js';
import type { TestMessage } from './protocol.js';

export const ALLOWED_ORIGIN = 'https://app.example.com';
export const FOREIGN_ORIGIN = 'https://evil.example.net';

/** Headers the test ticket route authenticates with: `x-test-user` (subject) and `x-test-session`. */
export function userFromHeaders(request: FastifyRequest): TicketSubject<WsGateClaims> | null {
  const subject = request.headers['x-test-user'];
  if (typeof subject !== 'string') return null;
  const session = request.headers['x-test-session'];
  return {
    subject,
    sessionId: typeof session === 'string' ? session : undefined,
    claims: { roles: ['member'], tier: 'gold' },
  };
}

export interface TestAppOptions {
  /** Plugin options, over the defaults (allowlist `ALLOWED_ORIGIN`, ticket route on `x-test-user`, no rate limit). */
  plugin?: Partial<WsGatePluginOptions<WsGateClaims>>;
  /** Fastify server options. */
  fastify?: FastifyServerOptions;
  /** Routes; the default set (see {@link registerDefaultRoutes}) when omitted. */
  routes?: (app: FastifyInstance) => void | Promise<void>;
  /** Listen on 127.0.0.1, port 0. @default true */
  listen?: boolean;
}

export const defaultPluginOptions = (): WsGatePluginOptions<WsGateClaims> => ({
  origins: { allow: [ALLOWED_ORIGIN] },
  ticketRoute: { authenticate: userFromHeaders, rateLimit: false },
});

/**
 * Default routes:
 * - `GET /healthz`: plain HTTP;
 * - `GET /ws` (authenticated): sends `{ type: 'welcome', subject, sessionId, claims, clientIp, origin }`, then,
 *   when the app has a message guard, answers `echo` and `whoami` and throws on `boom`;
 *   without one, reports the error `onMessage` throws as `{ type: 'no-guard', code }`;
 * - `GET /public` (`config: { wsgate: false }`): sends `{ type: 'public' }`.
 */
export function registerDefaultRoutes(app: FastifyInstance): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/ws', { websocket: true }, (socket, request) => {
    const { principal, send, clientIp, origin } = request.wsgate;
    send(socket, {
      type: 'welcome',
      subject: principal.subject,
      sessionId: principal.sessionId,
      claims: principal.claims,
      clientIp,
      origin,
    });
    try {
      request.wsgate.onMessage<TestMessage>(socket, {
        echo: ({ text }) => send(socket, { type: 'echo', text }),
        whoami: () => send(socket, { type: 'whoami', subject: principal.subject }),
        boom: (message) => {
          const error = new Error('handler failed at /secret/path');
          if (message.async) return Promise.reject(error);
          throw error;
        },
      });
    } catch (error) {
      send(socket, { type: 'no-guard', code: (error as { code?: string }).code });
    }
  });
  app.get('/public', { websocket: true, config: { wsgate: false } }, (socket) => {
    socket.send(JSON.stringify({ type: 'public' }));
  });
}

/** Builds (and by default starts) an app; it is closed when the test finishes. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...options.fastify });
  onTestFinished(() => app.close());
  await app.register(wsgate, { ...defaultPluginOptions(), ...options.plugin });
  await (options.routes ?? registerDefaultRoutes)(app);
  if (options.listen === false) await app.ready();
  else await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

/** `ws://127.0.0.1:<port><path>` of a listening app. */
export function wsUrl(app: FastifyInstance, path = '/ws'): string {
  const { port } = app.server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}${path}`;
}

export interface TicketRequest {
  user?: string;
  session?: string;
  headers?: Record<string, string>;
  path?: string;
}

/** Gets a ticket from the app's ticket route (through `inject`); fails unless it answers 200. */
export async function requestTicket(app: FastifyInstance, request: TicketRequest = {}): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: request.path ?? '/ws-ticket',
    headers: {
      origin: ALLOWED_ORIGIN,
      'x-test-user': request.user ?? 'alice',
      ...(request.session === undefined ? {} : { 'x-test-session': request.session }),
      ...request.headers,
    },
  });
  if (response.statusCode !== 200)
    throw new Error(`ticket route answered ${response.statusCode}: ${response.body}`);
  return (response.json() as { ticket: string }).ticket;
}
