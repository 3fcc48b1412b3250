import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WsGateConfigError, type AuditEvent } from '@wsgate/core';
import {
  listenerEvents,
  socketIoEnvelope,
  wsgateSocketIo,
  type Acknowledgement,
  type EventResolver,
} from '@wsgate/socket.io';
import type { Observable } from 'rxjs';
import { AdapterBinding } from '../adapter-binding.js';
import { logAuditEvent } from '../audit-log.js';
import { runHandler, translateExceptionEvents } from './handler-runs.js';

/** Options of {@link WsGateIoAdapter}. */
export interface WsGateIoAdapterOptions {
  /**
   * Log each refused handshake (status, code, reason and client address only: never the URL, a
   * header or the ticket).
   * @default true
   */
  logRefusals?: boolean;
  /**
   * Allow HTTP long-polling besides WebSocket. The Engine.IO session is then bound to the
   * address and Origin that redeemed the ticket (see `@wsgate/socket.io`).
   * @default false
   */
  polling?: boolean;
}

/** A Socket.IO server, as `IoAdapter` creates it (typed from the `socket.io` copy Nest pins). */
export type IoServer = Extract<ReturnType<IoAdapter['create']>, { readonly engine: unknown }>;
/** What `IoAdapter.create` returns: a server, or one of its namespaces. */
export type IoServerOrNamespace = ReturnType<IoAdapter['create']>;
/** Options Nest passes to `IoAdapter.create` (from `@WebSocketGateway(port, options)`). */
export type IoGatewayOptions = Parameters<IoAdapter['create']>[1];
/** A server-side Socket.IO socket, as Nest hands it to the adapter. */
export type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

/** The socket's events are handled by its listeners (Nest's), not by the router: nothing to dispatch. */
const handledByListeners = (): undefined => undefined;

/**
 * `@nestjs/platform-socket.io`'s `IoAdapter` with @wsgate in front, for NestJS 11 and 12: a
 * drop-in (`app.useWebSocketAdapter(new WsGateIoAdapter(app))` and `WsGateModule`).
 * - each Socket.IO server Nest creates (one per port and path, shared by its namespaces) is
 *   secured once by `@wsgate/socket.io` with the module's gate: every Engine.IO request passes
 *   core's checks (transport, Origin, brute-force limit, single-use ticket from the handshake
 *   query, session, caps) before any session exists; a refused one gets HTTP 400/401/403/429/503
 *   `{"error":"<CODE>"}` and no `sid`; WebSocket only unless `polling`;
 * - the principal is on `socket.data.principal` (and `getWsPrincipal`, `@WsPrincipal`,
 *   `WsAuthGuard`), never taken from the client's `auth`;
 * - every event is checked (binary, rate, prototype keys, one payload argument) and validated
 *   against its handler's DTO, compiled at start-up, before Nest's guards and pipes run; a
 *   handler whose body has no DTO class is refused at start-up unless marked `@WsRawMessage()`
 *   (fail closed); an event no `@SubscribeMessage()` of the socket's namespace handles is refused;
 * - errors go to the acknowledgement when the client sent one (`{ ok: false, error: { code,
 *   message, issues? } }`), else as an `exception` event (`{ code, message, issues? }`), with or
 *   without `WsGateExceptionFilter`;
 * - `WsGateService.revokeSession` / `revokeSubject` (and the Redis revocation bus) disconnect the
 *   sockets, after an `exception` `UNAUTHENTICATED`.
 *
 * Return values and `WsResponse`s are sent as Nest's `IoAdapter` sends them (an acknowledgement,
 * an emitted event). Subclass it as you would `IoAdapter` (e.g. to add `@socket.io/redis-adapter`
 * in `createIOServer`).
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(new WsGateIoAdapter(app));
 */
export class WsGateIoAdapter extends IoAdapter {
  private readonly auditLogger = new Logger('WsGateIoAdapter');
  private readonly binding: AdapterBinding<unknown, 'polling'>;
  private readonly secured = new WeakSet<object>();
  /** The resolver of the events of each server or namespace `create` returned. */
  private readonly resolverOfHost = new WeakMap<object, EventResolver>();
  /** The resolver of the events of each namespace's sockets (a dynamic namespace's children too). */
  private readonly resolverOfNamespace = new WeakMap<object, EventResolver>();

  constructor(app: INestApplicationContext, options: WsGateIoAdapterOptions = {}) {
    super(app);
    this.binding = new AdapterBinding(
      app,
      'WsGateIoAdapter',
      options,
      { polling: false },
      {
        dispatch: handledByListeners,
        audit: (event) => this.audit(event),
      },
    );
  }

  /** Creates a gateway's server or namespace, and remembers which handlers its events go to. */
  override create(port: number, options?: IoGatewayOptions): IoServerOrNamespace {
    const server: unknown = options?.server;
    if (server !== undefined && server !== null && !this.secured.has(server))
      throw new WsGateConfigError(
        'WsGateIoAdapter: the gateway `server` option would bypass the handshake check',
      );
    const host = super.create(port, options);
    const address = { port, path: options?.path, namespace: options?.namespace };
    this.resolverOfHost.set(host, this.binding.routerAt(address, socketIoEnvelope));
    return host;
  }

  /**
   * Creates the Socket.IO server as `IoAdapter` does (Nest's own `socket.io`) and secures it with
   * `@wsgate/socket.io`, once per server, before anything else is attached to it.
   */
  override createIOServer(port: number, options?: unknown): IoServer {
    const { gate } = this.binding.config;
    const server = super.createIOServer(port, options) as IoServer;
    this.binding.configured(() =>
      wsgateSocketIo(server, {
        gate,
        polling: this.binding.options.polling,
        events: listenerEvents({ resolverOf: (socket) => this.resolverOfNamespace.get(socket.nsp) }),
        logger: this.binding.report,
      }),
    );
    this.secured.add(server as object);
    return server;
  }

  /** Nest's connection handler, after the socket is given its resolver and its exception translation. */
  override bindClientConnect(host: IoServerOrNamespace, callback: (...args: unknown[]) => unknown): void {
    const resolver = this.resolverOfHost.get(host as object);
    (host as { on(event: 'connection', listener: (socket: IoSocket) => void): unknown }).on(
      'connection',
      (socket) => {
        this.prepare(socket, resolver);
        callback(socket);
      },
    );
  }

  /**
   * Binds the gateway's handlers as `IoAdapter` does, each run in a context that lets an error
   * from Nest's default exception filter reach the event's acknowledgement.
   */
  override bindMessageHandlers(
    socket: IoSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const inContext = handlers.map((handler): MessageMappingProperties => ({
      ...handler,
      callback: (data: unknown, ack?: unknown) =>
        runHandler(socket, typeof ack === 'function' ? (ack as Acknowledgement) : undefined, (recorded) =>
          handler.callback(data, recorded),
        ),
    }));
    super.bindMessageHandlers(socket, inContext, transform);
  }

  /**
   * Writes one audit event (`wsgate.upgrade_accepted`, `wsgate.upgrade_refused`,
   * `wsgate.message_refused`, `wsgate.close`, ...) through Nest's logger, one line each, at the
   * event's level (`info` is Nest's `log`). Override to route them elsewhere.
   */
  protected audit(event: AuditEvent): void {
    logAuditEvent(this.auditLogger, event);
  }

  /**
   * Gives a socket of a secured server its resolver and its exception translation (its principal
   * and error channel are recorded by `@wsgate/socket.io`).
   */
  private prepare(socket: IoSocket, resolver: EventResolver | undefined): void {
    const server: unknown = (socket as { nsp?: { server?: unknown } }).nsp?.server;
    if (server === undefined || server === null || !this.secured.has(server)) return;
    if (resolver !== undefined) this.resolverOfNamespace.set(socket.nsp, resolver);
    translateExceptionEvents(socket as unknown as Parameters<typeof translateExceptionEvents>[0]);
  }
}
