import { createServer, STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import {
  createMessageGuard,
  handshakeRequestFrom,
  offeredSubprotocols,
  TICKET_SUBPROTOCOL_PREFIX,
  WSGATE_SUBPROTOCOL,
  WsGateConfigError,
  type ClosableConnection,
  type ConnectionMessageGuard,
  type ErrorFrame,
  type HandshakeRefusal,
  type MessageGuard,
  type TicketClaims,
  type UpgradeAcceptance,
  type Validator,
} from '@wsgate/core';
import { filter, type Observable } from 'rxjs';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { frameForEmittedPayload, FRAMES } from './error-frames.js';
import { WsGateModuleMissingError } from './errors.js';
import { attachPrincipal } from './principal.js';
import { WSGATE_CONFIG, type WsGate } from './tokens.js';
import { PERMISSIVE_VALIDATOR, type WsGateModuleConfig } from './wsgate-options.js';

/** Options of {@link WsGateAdapter}. */
export interface WsGateAdapterOptions {
  /**
   * Log each refused handshake at `warn`: status, code, reason and client address only (never
   * the URL, a header or the ticket).
   * @default true
   */
  logRefusals?: boolean;
}

/** Options Nest passes to `create` (from `@WebSocketGateway(port, options)`). */
type GatewayServerOptions = Record<string, unknown> & { namespace?: string; server?: unknown; path?: string };

type PathServer = WebSocketServer & { path: string };

type Acceptance = UpgradeAcceptance<TicketClaims, ClosableConnection>;

interface Route {
  readonly callback: MessageMappingProperties['callback'];
  readonly transform: (data: unknown) => Observable<unknown>;
}

interface ClientState {
  readonly routes: Map<string, Route>;
  guard: ConnectionMessageGuard<unknown> | undefined;
}

/** ws's `WebSocket.OPEN`. */
const OPEN = 1;
/** The Nest WsAdapter's port for gateways sharing the application's HTTP server. */
const SHARED_HTTP_SERVER_PORT = 0;
const NO_HANDLERS = 'wsgate:no-handlers';

function writeHttpRefusal(socket: Duplex, status: number, code: string): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: code });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      `\r\n${body}`,
  );
}

function pathnameOf(request: IncomingMessage): string | undefined {
  const url = request.url ?? '';
  const end = url.search(/[?#]/);
  const pathname = end === -1 ? url : url.slice(0, end);
  return pathname.startsWith('/') ? pathname : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'non-Error value thrown';
}

/**
 * The `@nestjs/platform-ws` adapter with @wsgate in front: every upgrade to a gateway path goes
 * through the core `gate.authorizeUpgrade` (transport, Origin, brute-force limit, single-use
 * ticket, session check, connection caps) before `handleUpgrade`, so a refused client gets a
 * plain HTTP 401/403/429/503 with `{"error":"<CODE>"}` and never a socket (or, with
 * `refusal: 'close-frame'`, a socket closed at once with 4401/4403/4429/1013 and the code as
 * reason). Accepted sockets carry the ticket principal (`@WsPrincipal()`, `getWsPrincipal`),
 * are registered for revocation and supervised (heartbeat, session re-check, send-buffer cap);
 * the `wsgate` subprotocol is selected when the ticket came as a subprotocol.
 *
 * Inbound frames pass the core message guard before Nest's dispatch (`maxPayload`, binary →
 * 1003, too big → 1009, per-connection rate limit → 4429, safe JSON → `BAD_JSON`) and are routed
 * by their `type` to `@SubscribeMessage(type)` handlers, which receive the whole message;
 * unknown types get `VALIDATION_FAILED`. Works on the Express and Fastify platforms.
 *
 * Gateways must share the application's HTTP server (no port) or have a `path`.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(new WsGateAdapter(app));
 */
export class WsGateAdapter extends WsAdapter {
  protected override readonly logger = new Logger('WsGateAdapter');
  private readonly options: Readonly<Required<WsGateAdapterOptions>>;
  private config: WsGateModuleConfig | undefined;
  /** Subprotocol to select, per upgrade request in flight. */
  private readonly selectedProtocols = new WeakMap<IncomingMessage, string>();
  private readonly clientStates = new WeakMap<WebSocket, ClientState>();
  /** Compiled message guards by handler type set (one per gateway). */
  private readonly guards = new Map<string, MessageGuard<unknown>>();

  constructor(
    private readonly app: INestApplicationContext,
    options: WsGateAdapterOptions = {},
  ) {
    super(app);
    if (options === null || typeof options !== 'object') {
      throw new WsGateConfigError('WsGateAdapter options must be an object');
    }
    this.options = Object.freeze({ logRefusals: options.logRefusals ?? true });
  }

  /** Creates the gateway's `ws` server: no compression, `maxPayload` from the message guard, wsgate subprotocol selection. */
  override create(port: number, options: GatewayServerOptions = {}): WebSocketServer {
    const config = this.resolve();
    if (options.server !== undefined) {
      throw new WsGateConfigError(
        'WsGateAdapter: the gateway `server` option would bypass the handshake check; use `path`',
      );
    }
    if (port !== SHARED_HTTP_SERVER_PORT && options.path === undefined) {
      throw new WsGateConfigError(
        `WsGateAdapter: a gateway on its own port (${port}) needs a \`path\` so that its upgrades are checked`,
      );
    }
    if (port === SHARED_HTTP_SERVER_PORT && (this.httpServer === undefined || this.httpServer === null)) {
      throw new WsGateConfigError(
        'WsGateAdapter needs the application (with its HTTP server): new WsGateAdapter(app)',
      );
    }
    const server: unknown = super.create(port, {
      ...options,
      maxPayload: config.messages.maxBytes,
      perMessageDeflate: false,
      handleProtocols: (offered: Set<string>, request: IncomingMessage) =>
        this.selectProtocol(offered, request),
    });
    return server as WebSocketServer;
  }

  /** Routes each inbound frame through the message guard, then by `type` to the gateway's handlers. */
  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    let state = this.clientStates.get(client);
    if (state === undefined) {
      const created: ClientState = { routes: new Map(), guard: undefined };
      state = created;
      this.clientStates.set(client, created);
      client.on('message', (data: RawData, isBinary: boolean) =>
        this.onMessage(client, created, data, isBinary),
      );
      // Nest's default exception filter only emits a local `exception` event on a raw ws socket: send it.
      client.on('exception', (payload: unknown) => this.sendFrame(client, frameForEmittedPayload(payload)));
    }
    for (const handler of handlers) {
      const message: unknown = handler.message;
      if (typeof message !== 'string') {
        this.logger.warn(
          `@SubscribeMessage patterns must be strings to be routed by "type"; ${handler.methodName} is ignored`,
        );
        continue;
      }
      state.routes.set(message, { callback: handler.callback, transform });
    }
    // Compiled on the first message, from the routes of every gateway bound to this socket.
    state.guard = undefined;
  }

  /** Logs socket errors (malformed frames, oversize payloads) at `warn`: they are the client's. */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (client: WebSocket) =>
      client.on('error', (error: Error) => this.onSocketError(error)),
    );
    server.on('error', (error: Error) => this.logger.error(error));
    return server;
  }

  /** Registers the upgrade listener of an HTTP server: the handshake check runs here, before `handleUpgrade`. */
  protected override ensureHttpServerExists(
    port: number,
    httpServer: HttpServer = createServer(),
  ): HttpServer | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.onUpgrade(port, request, socket, head).catch((error: unknown) => {
        this.logger.error(`upgrade failed: ${describe(error)}`);
        writeHttpRefusal(socket, 500, 'INTERNAL_ERROR');
      });
    });
    return httpServer;
  }

  /** Called for every refused handshake. @default logs a `wsgate.upgrade_refused` audit event at `warn` (unless `logRefusals: false`) */
  protected onRefused(refusal: HandshakeRefusal): void {
    if (!this.options.logRefusals) return;
    this.logger.warn({
      event: 'wsgate.upgrade_refused',
      status: refusal.status,
      code: refusal.code,
      reason: refusal.reason,
      ip: refusal.clientIp,
    });
  }

  /**
   * Writes one structured audit event (`wsgate.upgrade_accepted`, `wsgate.message_refused`,
   * `wsgate.close`) through Nest's logger. Events carry subject and session id, never a
   * ticket, a cookie or a message body. Override to route them elsewhere.
   */
  protected audit(event: Readonly<Record<string, string | number | undefined>>): void {
    this.logger.log(event);
  }

  /** Called for a socket `error` event. @default logs the message at `warn` */
  protected onSocketError(error: Error): void {
    this.logger.warn(`socket error: ${error.message}`);
  }

  /**
   * ws `handleProtocols`: `wsgate` when the ticket came as a subprotocol, else the first offered
   * entry that carries no ticket (clients such as `ws` fail when none is selected), else none.
   */
  private selectProtocol(offered: Set<string>, request: IncomingMessage): string | false {
    const selected = this.selectedProtocols.get(request);
    if (selected !== undefined) return selected;
    for (const protocol of offered) if (!protocol.startsWith(TICKET_SUBPROTOCOL_PREFIX)) return protocol;
    return false;
  }

  private resolve(): WsGateModuleConfig {
    if (this.config === undefined) {
      try {
        this.config = this.app.get<symbol, WsGateModuleConfig>(WSGATE_CONFIG, { strict: false });
      } catch {
        throw new WsGateModuleMissingError();
      }
    }
    return this.config;
  }

  private get gate(): WsGate {
    return this.resolve().gate;
  }

  private findServer(port: number, request: IncomingMessage): PathServer | undefined {
    const pathname = pathnameOf(request);
    if (pathname === undefined) return undefined;
    const servers = (this.wsServersRegistry.get(port) ?? []) as PathServer[];
    return servers.find((server) => server.path === pathname);
  }

  private async onUpgrade(
    port: number,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const server = this.findServer(port, request);
    if (server === undefined) {
      writeHttpRefusal(socket, 404, 'NOT_FOUND');
      return;
    }
    // Between the HTTP parser letting go of the socket and ws taking it, errors are ours.
    const onSocketError = (): void => {
      socket.destroy();
    };
    socket.on('error', onSocketError);
    const result = await this.gate.authorizeUpgrade(handshakeRequestFrom(request));
    socket.removeListener('error', onSocketError);
    if (socket.destroyed) {
      // The client left while we checked: give its connection slot back.
      if (result.ok) result.reservation.release();
      return;
    }
    if (result.ok) this.accept(server, request, socket, head, result);
    else this.refuse(server, request, socket, head, result);
  }

  private refuse(
    server: PathServer,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    refusal: HandshakeRefusal,
  ): void {
    this.onRefused(refusal);
    if (this.gate.refusal === 'http') {
      writeHttpRefusal(socket, refusal.status, refusal.code);
      return;
    }
    // close-frame mode: accept, then close at once, so that browsers can read the code.
    if (offeredSubprotocols(request.headers).includes(WSGATE_SUBPROTOCOL)) {
      this.selectedProtocols.set(request, WSGATE_SUBPROTOCOL);
    }
    server.handleUpgrade(request, socket, head, (client) => {
      client.on('error', () => client.terminate());
      client.close(refusal.closeCode, refusal.code);
    });
  }

  private accept(
    server: PathServer,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    acceptance: Acceptance,
  ): void {
    const gate = this.gate;
    if (acceptance.protocol !== undefined) this.selectedProtocols.set(request, acceptance.protocol);
    // ws answers a broken handshake (bad key or version) itself and never calls back: free the slot then.
    socket.once('close', () => acceptance.reservation.release());
    server.handleUpgrade(request, socket, head, (client) => {
      const { principal } = acceptance;
      attachPrincipal(client, principal);
      client.once('close', acceptance.reservation.attach(client));
      const who = { subject: principal.subject, sessionId: principal.sessionId };
      this.audit({ event: 'wsgate.upgrade_accepted', ...who, ip: acceptance.clientIp });
      client.once('close', (code: number) => this.audit({ event: 'wsgate.close', code, ...who }));
      const { isSessionActive } = gate;
      gate.supervisor.supervise(
        client,
        isSessionActive === undefined ? undefined : () => isSessionActive(principal),
      );
      try {
        server.emit('connection', client, request);
      } catch (error) {
        // The socket is ws's now: never write HTTP on it, drop it.
        this.logger.error(`connection handler failed: ${describe(error)}`);
        client.terminate();
      }
    });
  }

  private guardFor(routes: ReadonlyMap<string, Route>): MessageGuard<unknown> {
    const types = [...routes.keys()].sort();
    const key = JSON.stringify(types);
    let guard = this.guards.get(key);
    if (guard === undefined) {
      const { messages } = this.resolve();
      const schemaOf = (type: string): Validator<unknown> =>
        Object.hasOwn(messages.schemas, type)
          ? (messages.schemas[type] as Validator<unknown>)
          : PERMISSIVE_VALIDATOR;
      const entries: [string, Validator<unknown>][] =
        types.length === 0
          ? [[NO_HANDLERS, PERMISSIVE_VALIDATOR]]
          : types.map((type) => [type, schemaOf(type)]);
      guard = createMessageGuard({ ...messages.guardOptions, schemas: Object.fromEntries(entries) });
      this.guards.set(key, guard);
    }
    return guard;
  }

  private onMessage(client: WebSocket, state: ClientState, data: RawData, isBinary: boolean): void {
    if (client.readyState !== OPEN) return;
    state.guard ??= this.guardFor(state.routes).forConnection();
    const checked = state.guard.check(data, isBinary);
    if (!checked.ok) {
      this.audit({
        event: 'wsgate.message_refused',
        code: checked.action === 'close' ? checked.closeCode : checked.reply.code,
      });
      if (checked.action === 'close') client.close(checked.closeCode, checked.reason);
      else this.sendFrame(client, checked.reply);
      return;
    }
    const message = checked.message as { readonly type: string };
    const route = state.routes.get(message.type);
    if (route === undefined) {
      this.sendFrame(client, FRAMES.unknownType);
      return;
    }
    let result: Observable<unknown>;
    try {
      result = route.transform(route.callback(message, message.type));
    } catch (error) {
      this.onHandlerFault(client, error);
      return;
    }
    result.pipe(filter((response) => response !== undefined && response !== null)).subscribe({
      next: (response) => this.sendResponse(client, response),
      error: (error: unknown) => this.onHandlerFault(client, error),
    });
  }

  private sendResponse(client: WebSocket, response: unknown): void {
    let data: string;
    try {
      data = JSON.stringify(response);
    } catch (error) {
      this.onHandlerFault(client, error);
      return;
    }
    this.gate.supervisor.send(client, data);
  }

  /** Sends through the supervisor: a reader too far behind is closed (1008) rather than buffered. */
  private sendFrame(client: WebSocket, frame: ErrorFrame): void {
    this.gate.supervisor.send(client, JSON.stringify(frame));
  }

  private onHandlerFault(client: WebSocket, error: unknown): void {
    this.logger.error(`message handler failed: ${describe(error)}`);
    this.sendFrame(client, FRAMES.internal);
  }
}
