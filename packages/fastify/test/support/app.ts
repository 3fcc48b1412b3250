// Builds Fastify apps with @wsgate/fastify for the specs. Not a spec file.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { onTestFinished } from 'vitest';
import wsgate, { type TicketSubject, type WsGateClaims, type WsGatePluginOptions } from '../../src/index.js';
import { testMessages } from './protocol.js';

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
  plugin?: Partial<WsGatePluginOptions>;
  /** Fastify server options. */
  fastify?: FastifyServerOptions;
  /** Routes; the default set (see {@link registerDefaultRoutes}) when omitted. */
  routes?: (app: FastifyInstance) => void | Promise<void>;
  /** Listen on 127.0.0.1, port 0. @default true */
  listen?: boolean;
}

export const defaultPluginOptions = (): WsGatePluginOptions => ({
  origins: { allow: [ALLOWED_ORIGIN] },
  ticketRoute: { authenticate: userFromHeaders, perSession: false, perAddress: false },
});

/**
 * Default routes:
 * - `GET /healthz`: plain HTTP;
 * - `GET /ws` (authenticated, messages of ./protocol.ts): sends
 *   `{ type: 'welcome', subject, sessionId, claims, clientIp, origin }`;
 * - `GET /raw` (authenticated, `raw: true`): echoes every frame as it came;
 * - `GET /public` (`config: { wsgate: false }`): sends `{ type: 'public' }`.
 */
export function registerDefaultRoutes(app: FastifyInstance): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/ws', { websocket: true, config: { wsgate: { messages: testMessages } } }, (socket, request) => {
    const { principal, send, clientIp, origin } = request.wsgate;
    send(socket, {
      type: 'welcome',
      subject: principal.subject,
      sessionId: principal.sessionId,
      claims: principal.claims,
      clientIp,
      origin,
    });
  });
  app.get('/raw', { websocket: true, config: { wsgate: { raw: true } } }, (socket) => {
    socket.on('message', (data) => socket.send(data.toString()));
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
