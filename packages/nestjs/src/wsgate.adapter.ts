import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import {
  coalesceHandshakeWrites,
  WsGateConfigError,
  type AuditEvent,
  type MessageRouter,
  type UpgradeAcceptance,
} from '@wsgate/core';
import type { Observable } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { AdapterBinding } from './adapter-binding.js';
import { logAuditEvent } from './audit-log.js';
import { bindHandlers, dispatchToNest, forwardNestExceptions, NestSocketContext } from './message-routing.js';
import { createUpgradeListener, servesPath, type PathServer } from './upgrade-authorization.js';

/** Options of {@link WsGateAdapter}. */
export interface WsGateAdapterOptions {
  /**
   * Log each refused handshake (status, code, reason and client address only: never the URL, a
   * header or the ticket).
   * @default true
   */
  logRefusals?: boolean;
}

/** Options Nest passes to a gateway server (from `@WebSocketGateway(port, options)`). */
export type GatewayServerOptions = Record<string, unknown> & {
  namespace?: string;
  server?: unknown;
  path?: string;
};

/** The Nest WsAdapter's port for gateways sharing the application's HTTP server. */
const SHARED_HTTP_SERVER_PORT = 0;
const kSocketContext = Symbol('wsgate.nest-socket-context');
const kRouter = Symbol('wsgate.gateway-router');

type RoutedServer = PathServer & { [kRouter]?: MessageRouter<NestSocketContext> };
type RoutedClient = WebSocket & { [kSocketContext]?: NestSocketContext };

/**
 * The `@nestjs/platform-ws` adapter with @wsgate in front, for NestJS 11 and 12 on Express or
 * Fastify:
 * - every upgrade to a gateway path passes core's `authorizeUpgrade` (syntax, address, transport,
 *   Origin, brute-force limit, single-use ticket, session, connection caps) before `ws` sees it:
 *   a refused client gets an HTTP 400/401/403/405/429/503 `{"error":"<CODE>"}`, never a socket
 *   (or, with `refusal: 'close-frame'`, a socket closed at once with the code as reason);
 * - its `ws` servers come from @wsgate's `ws` with core's limits (message size, fragments,
 *   buffered chunks, unanswered pings, no compression), whatever `ws` copy Nest resolves;
 * - every message is checked (frame limits, safe JSON, rate) and validated against its handler's
 *   DTO, compiled at start-up, before Nest's guards and pipes run; a handler whose body has no DTO
 *   class is refused at start-up unless marked `@WsRawMessage()` (fail closed);
 * - messages use Nest's `{ event, data }` envelope by default (`envelope: 'type'` for `{ type }`).
 *
 * Gateways must share the application's HTTP server (no port) or have a `path`.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(new WsGateAdapter(app));
 */
export class WsGateAdapter extends WsAdapter {
  protected override readonly logger = new Logger('WsGateAdapter');
  private readonly binding: AdapterBinding<NestSocketContext>;
  private readonly protocols = new WeakMap<IncomingMessage, string | undefined>();
  /** The `error` listener of every socket (one function, not one per socket). */
  private readonly onSocketError = (error: Error & { code?: string }): void =>
    this.audit(this.binding.config.gate.audit.socketError(error.code));

  constructor(app: INestApplicationContext, options: WsGateAdapterOptions = {}) {
    super(app);
    this.binding = new AdapterBinding(
      app,
      'WsGateAdapter',
      options,
      {},
      {
        dispatch: dispatchToNest,
        audit: (event) => this.audit(event),
      },
    );
  }

  /** Creates a gateway's `ws` server from @wsgate's `ws`, with core's limits and subprotocol selection. */
  override create(port: number, options: GatewayServerOptions = {}): WebSocketServer {
    const { gate, codec } = this.binding.config;
    const { server, path, namespace, ...wsOptions } = options;
    if (server !== undefined)
      throw new WsGateConfigError(
        'WsGateAdapter: the gateway `server` option would bypass the handshake check; use `path`',
      );
    if (namespace !== undefined)
      throw new WsGateConfigError('WsGateAdapter: namespaces need the Socket.IO adapter');
    if (port !== SHARED_HTTP_SERVER_PORT && path === undefined)
      throw new WsGateConfigError(
        `WsGateAdapter: a gateway on its own port (${port}) needs a \`path\` so that its upgrades are checked`,
      );
    if (port === SHARED_HTTP_SERVER_PORT && (this.httpServer === undefined || this.httpServer === null))
      throw new WsGateConfigError(
        'WsGateAdapter needs the application (with its HTTP server): new WsGateAdapter(app)',
      );
    const wsServer = this.binding.configured(
      () =>
        new WebSocketServer({
          ...gate.wsServerOptions(wsOptions),
          noServer: true,
          handleProtocols: (offered: Set<string>, request: IncomingMessage) =>
            gate.selectSubprotocol(offered, this.protocols.get(request)),
        }) as RoutedServer,
    );
    Object.assign(wsServer, { path, [kRouter]: this.binding.routerAt({ port, path }, codec) });
    // The 101 and the first frames (a welcome, a refusal's close) leave in one write.
    coalesceHandshakeWrites(wsServer);
    this.bindErrorHandler(wsServer);
    const httpServer = this.ensureHttpServerExists(
      port,
      port === SHARED_HTTP_SERVER_PORT ? this.httpServer : undefined,
    );
    if (port !== SHARED_HTTP_SERVER_PORT) httpServer?.listen(port);
    this.addWsServerToRegistry(wsServer, port, path as string);
    return wsServer;
  }

  /** Adds a gateway's handlers to the socket's routes (the socket was admitted at the upgrade). */
  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const context = (client as RoutedClient)[kSocketContext];
    if (context !== undefined)
      bindHandlers(context, handlers, transform, (message) => this.logger.warn(message));
  }

  /** Socket errors are the client's (a frame over the limit): one line, no stack. */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (client: WebSocket) => client.on('error', this.onSocketError));
    server.on('error', (error: Error) => this.logger.error(error));
    return server;
  }

  /** Registers the upgrade listener of an HTTP server: the handshake check runs there, before `ws`. */
  protected override ensureHttpServerExists(
    port: number,
    httpServer: HttpServer = createServer(),
  ): HttpServer | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    const { gate } = this.binding.config;
    httpServer.on(
      'upgrade',
      createUpgradeListener(
        gate,
        (request) => this.serverFor(port, request),
        (server) => ({
          accepted: (client, acceptance, request) =>
            this.accept(server as RoutedServer, client, acceptance, request),
          report: this.binding.report,
          protocols: this.protocols,
        }),
      ),
    );
    return httpServer;
  }

  /**
   * Writes one audit event (`wsgate.upgrade_accepted`, `wsgate.upgrade_refused`,
   * `wsgate.message_refused`, `wsgate.close`, ...) through Nest's logger, one line each, at the
   * event's level (`info` is Nest's `log`): silence them with the app's logger levels.
   * Override to route them elsewhere.
   */
  protected audit(event: AuditEvent): void {
    logAuditEvent(this.logger, event);
  }

  private serverFor(port: number, request: IncomingMessage): RoutedServer | undefined {
    const servers = (this.wsServersRegistry.get(port) ?? []) as RoutedServer[];
    return servers.find((server) => servesPath(server, request));
  }

  private accept(
    server: RoutedServer,
    client: WebSocket,
    acceptance: UpgradeAcceptance,
    request: IncomingMessage,
  ): void {
    const { gate } = this.binding.config;
    const context = new NestSocketContext(client, gate.supervisor);
    gate.openWebSocket(acceptance, client, {
      report: this.binding.report,
      router: server[kRouter],
      context: () => context,
    });
    (client as RoutedClient)[kSocketContext] = context;
    forwardNestExceptions(client);
    try {
      server.emit('connection', client, request);
    } catch (error) {
      // The socket is ws's now: never write HTTP on it, drop it.
      this.logger.error(`connection handler failed: ${(error as Error).message}`);
      client.terminate();
    }
  }
}
