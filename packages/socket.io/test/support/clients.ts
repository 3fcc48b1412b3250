// Clients for the specs: the ticket route over HTTP, socket.io-client, raw Engine.IO requests
// (HTTP and WebSocket upgrades) for the attacks. Not a spec file.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  io as ioClient,
  type Socket as ClientSocket,
  type SocketOptions,
  type ManagerOptions,
} from 'socket.io-client';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { ALLOWED_ORIGIN, TICKET_PATH, type TestServer } from './servers.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  localAddress?: string;
}

/** One plain HTTP request (a fresh connection), answered in full. */
export function rawRequest(server: Pick<TestServer, 'port'>, request: RawRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: { connection: 'close', ...request.headers },
        localAddress: request.localAddress,
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

export interface TicketOptions {
  user?: string;
  session?: string;
  roles?: string[];
  origin?: string;
  localAddress?: string;
}

/** A ticket from the server's ticket route; fails unless it answers 200. */
export async function ticketFor(
  server: Pick<TestServer, 'port'>,
  options: TicketOptions = {},
): Promise<string> {
  const answer = await rawRequest(server, {
    method: 'POST',
    path: TICKET_PATH,
    localAddress: options.localAddress,
    headers: {
      origin: options.origin ?? ALLOWED_ORIGIN,
      'x-test-user': options.user ?? 'alice',
      ...(options.session === undefined ? {} : { 'x-test-session': options.session }),
      ...(options.roles === undefined ? {} : { 'x-test-roles': options.roles.join(',') }),
    },
  });
  if (answer.status !== 200) throw new Error(`ticket route answered ${answer.status}: ${answer.body}`);
  return (JSON.parse(answer.body) as { ticket: string }).ticket;
}

export type ConnectOutcome =
  | { readonly ok: true; readonly socket: ClientSocket }
  | { readonly ok: false; readonly error: Error & { description?: unknown; context?: unknown } };

export interface ClientOptions {
  ticket?: string;
  origin?: string;
  localAddress?: string;
  namespace?: string;
  options?: Partial<ManagerOptions & SocketOptions>;
}

/** A socket.io-client socket (no automatic reconnection unless asked), disconnected when the test finishes. */
export function clientSocket(server: Pick<TestServer, 'origin'>, options: ClientOptions = {}): ClientSocket {
  const socket = ioClient(`${server.origin}${options.namespace ?? ''}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 3_000,
    query: options.ticket === undefined ? {} : { ticket: options.ticket },
    extraHeaders: { origin: options.origin ?? ALLOWED_ORIGIN },
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    ...options.options,
  } as Partial<ManagerOptions & SocketOptions>);
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

/** Connects a socket.io-client socket and tells how it went. */
export function connectClient(
  server: Pick<TestServer, 'origin'>,
  options: ClientOptions = {},
): Promise<ConnectOutcome> {
  const socket = clientSocket(server, options);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, socket }));
    socket.once('connect_error', (error) => resolve({ ok: false, error }));
  });
}

/** Connects with a fresh ticket; fails unless connected. Resolves with the socket and its `welcome`. */
export async function connected(
  server: Pick<TestServer, 'origin' | 'port'>,
  ticket?: TicketOptions,
): Promise<{ socket: ClientSocket; welcome: unknown }> {
  const socket = clientSocket(server, {
    ticket: await ticketFor(server, ticket),
    localAddress: ticket?.localAddress,
  });
  const welcome = nextEvent(socket, 'welcome');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, welcome: await welcome };
}

/** The next `event` a client socket receives (first argument), within a bounded wait. */
export function nextEvent(socket: ClientSocket, event: string, timeoutMs = 3_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (payload: unknown) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Emits with an acknowledgement and resolves with it (bounded wait). */
export function emitAck(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return socket.timeout(3_000).emitWithAck(event, ...args) as Promise<unknown>;
}

/** Resolves with the reason of the socket's next `disconnect`. */
export function disconnection(socket: ClientSocket, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no disconnect within ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** How a raw WebSocket upgrade ended: a WebSocket (Engine.IO's open packet read), or an HTTP answer. */
export type UpgradeOutcome =
  | { readonly upgraded: true; readonly socket: WebSocket; readonly open: string }
  | { readonly upgraded: false; readonly status: number; readonly body: string };

/** A raw WebSocket upgrade to the Engine.IO path; `query` is added to `EIO=4&transport=websocket`. */
export function rawUpgrade(
  server: Pick<TestServer, 'port'>,
  query: string,
  options: { origin?: string; localAddress?: string; headers?: Record<string, string> } = {},
): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket${query}`,
      {
        headers: { origin: options.origin ?? ALLOWED_ORIGIN, ...options.headers },
        localAddress: options.localAddress,
      },
    );
    onTestFinished(() => socket.terminate());
    socket.once('message', (data) => resolve({ upgraded: true, socket, open: data.toString() }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ upgraded: false, status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** A raw long-polling request to the Engine.IO path; `query` is added to `EIO=4&transport=polling`. */
export function rawPoll(
  server: Pick<TestServer, 'port'>,
  query: string,
  options: { method?: string; body?: string; origin?: string | null; localAddress?: string } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> =
    options.origin === null ? {} : { origin: options.origin ?? ALLOWED_ORIGIN };
  if (options.body !== undefined) headers['content-type'] = 'text/plain;charset=UTF-8';
  return rawRequest(server, {
    method: options.method ?? 'GET',
    path: `/socket.io/?EIO=4&transport=polling${query}`,
    headers,
    body: options.body,
    localAddress: options.localAddress,
  });
}

/** Polls `check` until it holds, within a bounded wait; throws then. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
