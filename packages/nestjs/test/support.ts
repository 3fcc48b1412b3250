// Test helpers: a gateway exercising every feature, an app factory for both HTTP platforms,
// ws clients that report an HTTP refusal instead of opening, and a log collector.
import 'reflect-metadata';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type CanActivate,
  Injectable,
  type INestApplication,
  type LoggerService,
  type ModuleMetadata,
  UseFilters,
  UseGuards,
  UsePipes,
  type WebSocketAdapter,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
} from '@nestjs/websockets';
import type { Principal } from '@wsgate/core';
import { IsString, Length, Matches } from 'class-validator';
import WebSocket from 'ws';
import {
  RequireClaims,
  Roles,
  rolesOf,
  TicketService,
  WsAuthGuard,
  WsGateAdapter,
  type WsGateAdapterOptions,
  WsGateExceptionFilter,
  WsGateMessageException,
  WsGateModule,
  type WsGateModuleOptions,
  WsGateService,
  WsMessageDto,
  WsPrincipal,
  WsRawMessage,
  WsValidationPipe,
} from '../src/index.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];
export const ORIGIN = 'http://app.test';

export class JoinDto extends WsMessageDto {
  @IsString()
  @Matches(/^[a-z0-9_-]{1,32}$/)
  room!: string;
}

export class TextDto extends WsMessageDto {
  @IsString()
  @Length(1, 2000)
  text!: string;
}

@Injectable()
export class DenyAllGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** The full setup: filter, auth guard, validation pipe. */
@UseFilters(WsGateExceptionFilter)
@UseGuards(WsAuthGuard)
@UsePipes(new WsValidationPipe())
@WebSocketGateway({ path: '/ws' })
export class TestGateway implements OnGatewayConnection {
  constructor(private readonly wsGate: WsGateService) {}

  handleConnection(client: WebSocket): void {
    const principal = this.wsGate.principalOf(client);
    client.send(
      JSON.stringify({
        type: 'welcome',
        user: principal?.subject,
        roles: principal === undefined ? [] : rolesOf(principal),
      }),
    );
  }

  @SubscribeMessage('whoami')
  whoami(@WsPrincipal() principal: Principal, @WsPrincipal('subject') subject: string) {
    return {
      type: 'whoami',
      user: principal.subject,
      subject,
      roles: rolesOf(principal),
      sessionId: principal.sessionId,
    };
  }

  @SubscribeMessage('join')
  join(@MessageBody() message: JoinDto, @ConnectedSocket() client: WebSocket) {
    return {
      type: 'joined',
      room: message.room,
      dto: message instanceof JoinDto,
      sameSocket: client.readyState === WebSocket.OPEN,
    };
  }

  @Roles('admin')
  @SubscribeMessage('announce')
  announce(@MessageBody() message: TextDto, @WsPrincipal('subject') from: string) {
    return { type: 'announce', from, text: message.text };
  }

  @RequireClaims({ tenant: 'acme' })
  @SubscribeMessage('tenant')
  tenant() {
    return { type: 'tenant', ok: true };
  }

  @SubscribeMessage('boom')
  boom(@MessageBody() message: TextDto): never {
    throw new Error(`database exploded near ${message.text}`);
  }

  @SubscribeMessage('refuse')
  refuse(): never {
    throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
  }

  @SubscribeMessage('ws-exception')
  wsException(): never {
    throw new WsException('plain ws exception');
  }

  @SubscribeMessage('async')
  async later(): Promise<{ type: string }> {
    await Promise.resolve();
    return { type: 'later' };
  }
}

/** No `@UseFilters`: the adapter's fallback must still answer. */
@WebSocketGateway({ path: '/raw' })
export class RawGateway {
  @SubscribeMessage('boom')
  boom(): never {
    throw new Error('secret internals');
  }

  @UseGuards(DenyAllGuard)
  @SubscribeMessage('denied')
  denied() {
    return { type: 'never' };
  }

  @SubscribeMessage('refuse')
  refuse(): never {
    throw new WsGateMessageException('NOT_IN_ROOM', 'join the room first');
  }

  @WsRawMessage()
  @SubscribeMessage('echo')
  echo(@MessageBody() message: unknown) {
    return { type: 'echo', message };
  }
}

export interface LogLine {
  readonly level: string;
  readonly text: string;
}

/** Collects every log line (message and extra params) as text. */
export class CollectingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  private push(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest]
      .map((part) =>
        part instanceof Error
          ? `${part.message} ${part.stack}`
          : typeof part === 'object' && part !== null
            ? JSON.stringify(part)
            : String(part),
      )
      .join(' ');
    this.lines.push({ level, text });
  }
}

export interface TestApp {
  readonly app: INestApplication;
  readonly port: number;
  readonly logger: CollectingLogger;
  readonly wsUrl: (path?: string, query?: string) => string;
  /** Issues a ticket bound to 127.0.0.1 (as if requested by a loopback client without Origin, unless given). */
  readonly ticket: (
    subject?: string,
    options?: { sessionId?: string; claims?: Record<string, unknown>; origin?: string },
  ) => Promise<string>;
  readonly close: () => Promise<void>;
}

export interface CreateAppOptions {
  readonly platform?: Platform;
  readonly module?: ModuleMetadata['imports'];
  readonly gateways?: ModuleMetadata['providers'];
  readonly controllers?: ModuleMetadata['controllers'];
  readonly adapter?: WsGateAdapterOptions;
  /** The WebSocket adapter to use instead of `WsGateAdapter` (e.g. `WsGateIoAdapter`). */
  readonly webSocketAdapter?: (app: INestApplication) => WebSocketAdapter;
}

/** The `{ type }` envelope (the demo protocol's); the `{ event, data }` default has its own tests. */
export const DEFAULT_OPTIONS: WsGateModuleOptions = { origins: { allow: [ORIGIN] }, envelope: 'type' };

export async function createApp(options: CreateAppOptions = {}): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: options.module ?? [WsGateModule.forRoot(DEFAULT_OPTIONS)],
    providers: options.gateways ?? [TestGateway, RawGateway],
    controllers: options.controllers ?? [],
  }).compile();
  const logger = new CollectingLogger();
  const app =
    options.platform === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  app.useWebSocketAdapter(options.webSocketAdapter?.(app) ?? new WsGateAdapter(app, options.adapter));
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const tickets = app.get(TicketService);
  return {
    app,
    port,
    logger,
    wsUrl: (path = '/ws', query) => `ws://127.0.0.1:${port}${path}${query === undefined ? '' : `?${query}`}`,
    async ticket(subject = 'alice', ticketOptions = {}) {
      const headers: Record<string, string> =
        ticketOptions.origin === undefined ? {} : { origin: ticketOptions.origin };
      const result = await tickets.issueForRequest(
        { headers, socket: { remoteAddress: '127.0.0.1' } },
        {
          subject,
          sessionId: ticketOptions.sessionId,
          claims: ticketOptions.claims ?? { roles: subject === 'alice' ? ['admin'] : ['member'] },
        },
      );
      if (!result.ok) throw new Error(`ticket refused: ${result.code}`);
      return result.ticket;
    },
    close: async () => {
      await app.close();
    },
  };
}

export type OpenResult =
  | { readonly kind: 'open'; readonly client: Client }
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: string;
    }
  | { readonly kind: 'error'; readonly message: string };

export interface OpenOptions {
  readonly protocols?: string[];
  readonly origin?: string;
}

/** A ws client that queues JSON frames and records its close code. */
export class Client {
  readonly frames: unknown[] = [];
  private readonly waiting: ((frame: unknown) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      const frame: unknown = JSON.parse(text);
      const waiter = this.waiting.shift();
      if (waiter === undefined) this.frames.push(frame);
      else waiter(frame);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
  }
  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }
  next(timeoutMs = 2_000): Promise<Record<string, unknown>> {
    const queued = this.frames.shift();
    if (queued !== undefined) return Promise.resolve(queued as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
      this.waiting.push((frame) => {
        clearTimeout(timer);
        resolve(frame as Record<string, unknown>);
      });
    });
  }
  async exchange(message: unknown): Promise<Record<string, unknown>> {
    this.send(message);
    return this.next();
  }
}

export function open(url: string, options: OpenOptions = {}): Promise<OpenResult> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options.protocols ?? [], {
      perMessageDeflate: false,
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    const client = new Client(socket);
    let settled = false;
    const settle = (result: OpenResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    socket.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        settle({
          kind: 'refused',
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        socket.terminate();
      });
    });
    socket.on('open', () => settle({ kind: 'open', client }));
    socket.on('error', (error) => settle({ kind: 'error', message: error.message }));
  });
}

/** Opens and expects success (for gateways that send no welcome frame). */
export async function openClient(url: string, options: OpenOptions = {}): Promise<Client> {
  const result = await open(url, options);
  if (result.kind !== 'open') throw new Error(`expected open, got ${JSON.stringify(result)}`);
  return result.client;
}

/** Opens and expects success; returns the client after consuming the welcome frame. */
export async function connect(
  url: string,
  options: OpenOptions = {},
): Promise<{ client: Client; welcome: Record<string, unknown> }> {
  const result = await open(url, options);
  if (result.kind !== 'open') throw new Error(`expected open, got ${JSON.stringify(result)}`);
  return { client: result.client, welcome: await result.client.next() };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly json: unknown;
}

export function post(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const NATIVE_WRITES = ['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString'];

/**
 * Counts, per socket `server` accepts from now on, the writes it hands to its native handle (one
 * system call each); returns the counts of the sockets accepted so far, in order.
 */
export function countServerWrites(server: Server): () => number[] {
  const counts: { count: number }[] = [];
  server.on('connection', (socket: Socket) => {
    const counter = { count: 0 };
    counts.push(counter);
    const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
    for (const method of NATIVE_WRITES) {
      const original = handle[method];
      if (typeof original !== 'function') continue;
      handle[method] = function (this: unknown, ...args: unknown[]) {
        counter.count += 1;
        return (original as (...given: unknown[]) => unknown).apply(this, args);
      };
    }
  });
  return () => counts.map((counter) => counter.count);
}
