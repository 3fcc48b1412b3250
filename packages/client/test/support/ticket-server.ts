// A tiny @wsgate-like server for the client tests: POST /ticket issues single-use tickets,
// GET /ws upgrades only with a known, unused ticket (query or subprotocol).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface Presented {
  ticket: string;
  via: 'query' | 'subprotocol';
  accepted: boolean;
}

export interface TicketServerOptions {
  /** Status (or a function of the 1-based request number) for POST /ticket. 200 issues a ticket. */
  ticketStatus?: number | ((requestNumber: number) => number);
  /** Refuse every upgrade with this status, whatever the ticket (e.g. 401 after a "logout"). */
  refuseUpgradesWith?: number;
  /** Called for every accepted socket. */
  onConnection?: (socket: WebSocket) => void;
}

export interface TicketServer {
  readonly port: number;
  readonly url: string;
  readonly ticketUrl: string;
  readonly options: TicketServerOptions;
  /** Every ticket issued, in order. */
  readonly issued: string[];
  /** Every ticket presented (accepted or not), in order. */
  readonly presented: Presented[];
  /** Number of POST /ticket requests (any outcome). */
  ticketRequests: number;
  /** Number of upgrade requests on /ws. */
  upgrades: number;
  /** Open, authenticated server-side sockets. */
  readonly sockets: Set<WebSocket>;
  /** Text frames received from clients (after authentication). */
  readonly received: string[];
  closeAll(code: number, reason?: string): void;
  terminateAll(): void;
  broadcast(text: string): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTicketServer(options: TicketServerOptions = {}): Promise<TicketServer> {
  const issued: string[] = [];
  const unused = new Set<string>();
  const presented: Presented[] = [];
  const sockets = new Set<WebSocket>();
  const received: string[] = [];
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('wsgate') ? 'wsgate' : false),
  });
  let port = 0;
  let server: Server | undefined;

  const redeem = (ticket: string, via: Presented['via']): boolean => {
    const accepted = unused.delete(ticket);
    presented.push({ ticket, via, accepted });
    return accepted;
  };

  const accept = (ws: WebSocket): void => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => received.push(String(data)));
    options.onConnection?.(ws);
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method === 'POST' && request.url === '/ticket') {
      state.ticketRequests += 1;
      const { ticketStatus = 200 } = options;
      const status = typeof ticketStatus === 'function' ? ticketStatus(state.ticketRequests) : ticketStatus;
      if (status !== 200) {
        response.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"NO"}');
        return;
      }
      const ticket = randomBytes(32).toString('base64url');
      issued.push(ticket);
      unused.add(ticket);
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ ticket, expiresAt: Date.now() + 30_000 }));
      return;
    }
    response.writeHead(404).end();
  };

  const refuse = (socket: Socket, status: number): void => {
    socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const onUpgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    state.upgrades += 1;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/ws') return refuse(socket, 404);
    if (options.refuseUpgradesWith !== undefined) return refuse(socket, options.refuseUpgradesWith);
    const protocols = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const fromQuery = url.searchParams.getAll('ticket');
    const fromProtocol = protocols
      .filter((entry) => entry.startsWith('wsgate.ticket.'))
      .map((entry) => entry.slice('wsgate.ticket.'.length));
    const all = [
      ...fromQuery.map((t) => ({ t, via: 'query' as const })),
      ...fromProtocol.map((t) => ({ t, via: 'subprotocol' as const })),
    ];
    if (all.length !== 1 || !redeem(all[0]!.t, all[0]!.via)) return refuse(socket, 401);
    wss.handleUpgrade(request, socket, head, accept);
  };

  const listen = async (): Promise<void> => {
    server = createServer(onRequest);
    server.on('upgrade', onUpgrade);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };

  await listen();

  const state: TicketServer = {
    get port() {
      return port;
    },
    get url() {
      return `ws://127.0.0.1:${port}/ws`;
    },
    get ticketUrl() {
      return `http://127.0.0.1:${port}/ticket`;
    },
    options,
    issued,
    presented,
    ticketRequests: 0,
    upgrades: 0,
    sockets,
    received,
    closeAll(code, reason = '') {
      for (const ws of sockets) ws.close(code, reason);
    },
    terminateAll() {
      for (const ws of sockets) ws.terminate();
    },
    broadcast(text) {
      for (const ws of sockets) ws.send(text);
    },
    async stop() {
      for (const ws of wss.clients) ws.terminate();
      const current = server;
      server = undefined;
      if (current === undefined) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async start() {
      if (server === undefined) await listen();
    },
  };
  return state;
}
