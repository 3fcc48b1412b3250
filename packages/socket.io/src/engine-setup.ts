import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WsGateConfigError, type WsGate } from '@wsgate/core';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import type { EngineMiddleware } from './engine-gate.js';
import type { CappedConnection } from './send-buffer-cap.js';
import type { WsGateClaims } from './types.js';

/** The parts of an Engine.IO server @wsgate configures (`io.engine`). */
export interface EngineLike {
  opts: {
    transports: string[];
    maxHttpBufferSize: number;
    pingInterval: number;
    pingTimeout: number;
    upgradeTimeout: number;
    allowEIO3?: boolean;
    wsEngine?: unknown;
  };
  use(middleware: EngineMiddleware): void;
  on(event: 'connection', listener: (connection: EngineConnection) => void): unknown;
}

/** The `ws` WebSocket of an Engine.IO WebSocket transport, as @wsgate uses it. */
export interface TransportWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** An Engine.IO connection (`socket.conn`), as @wsgate uses it. */
export interface EngineConnection extends CappedConnection {
  readonly request: IncomingMessage;
  /** Its current transport: `websocket` (with its `ws` WebSocket) or `polling`. */
  readonly transport: { readonly name: string; readonly socket?: TransportWebSocket };
  close(discard?: boolean): unknown;
  once(event: 'close', listener: (this: EngineConnection, reason: string) => void): unknown;
}

/** The parts of a Socket.IO server @wsgate needs before it hooks it. */
export interface ServerParts {
  readonly engine: EngineLike | undefined;
  readonly opts?: { readonly connectionStateRecovery?: unknown };
  connectTimeout(): number;
  connectTimeout(ms: number): unknown;
}

type UpgradeCallback = (socket: WebSocket, request: IncomingMessage) => void;

/**
 * The `ws` server Engine.IO builds (its `wsEngine`), from this package's `ws` (≥ 8.23) with
 * core's limits (`gate.wsServerOptions()`: `maxPayload` = the message limit, fragments, buffered
 * chunks, unanswered pings, no compression unless Engine.IO asks for it); reports each upgrade
 * that became a WebSocket.
 */
function gatedWsEngine(gate: WsGate<WsGateClaims>, upgraded: (request: IncomingMessage) => void) {
  return class GatedWebSocketServer extends WebSocketServer {
    constructor(options: ServerOptions) {
      super(gate.wsServerOptions(options));
    }

    override handleUpgrade(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      callback: UpgradeCallback,
    ) {
      super.handleUpgrade(request, socket, head, (websocket, upgradedRequest) => {
        upgraded(request);
        callback(websocket, upgradedRequest);
      });
    }
  };
}

/**
 * Sets Engine.IO's own limits from core, on a server that already exists: WebSocket only (plus
 * long-polling when on), `maxHttpBufferSize` = the message limit, ping interval and timeout =
 * the heartbeat interval, upgrade and namespace-connect timeouts = the upgrade timeout (each
 * only lowered, never raised), and its `ws` server rebuilt with core's limits. Refuses what the
 * gate cannot secure: no Engine.IO yet, WebSocket off, Engine.IO 3 clients, and connection-state
 * recovery (it restores `socket.data`, principal included, for whoever presents a session id).
 */
export function configureEngine(
  io: ServerParts,
  gate: WsGate<WsGateClaims>,
  polling: boolean,
  upgraded: (request: IncomingMessage) => void,
): EngineLike {
  const { engine } = io;
  if (engine === undefined)
    throw new WsGateConfigError(
      'attach the Server to an HTTP server first (new Server(httpServer, options))',
    );
  const { opts } = engine;
  if (!opts.transports.includes('websocket'))
    throw new WsGateConfigError('the Server must be created with the websocket transport');
  if (opts.allowEIO3 === true)
    throw new WsGateConfigError('allowEIO3 is not supported: Engine.IO 4 clients only');
  if (io.opts?.connectionStateRecovery !== undefined && io.opts.connectionStateRecovery !== false)
    throw new WsGateConfigError(
      'connectionStateRecovery is not supported: it restores socket.data for whoever presents a session id',
    );
  opts.transports = polling ? ['polling', 'websocket'] : ['websocket'];
  opts.maxHttpBufferSize = Math.min(opts.maxHttpBufferSize, gate.messageLimits.maxBytes);
  const heartbeat = gate.supervisor.heartbeatIntervalMs;
  if (heartbeat > 0) {
    opts.pingInterval = Math.min(opts.pingInterval, heartbeat);
    opts.pingTimeout = Math.min(opts.pingTimeout, heartbeat);
  }
  opts.upgradeTimeout = Math.min(opts.upgradeTimeout, gate.upgradeTimeoutMs);
  io.connectTimeout(Math.min(io.connectTimeout(), gate.upgradeTimeoutMs));
  opts.wsEngine = gatedWsEngine(gate, upgraded);
  // Engine.IO builds its ws server in init() (and again when the HTTP server starts listening).
  (engine as unknown as { init(): void }).init();
  return engine;
}
