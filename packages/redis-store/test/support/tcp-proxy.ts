// A TCP proxy on a free loopback port, in front of a redis-server: tests cut an instance's
// connections to Redis (as a network fault would) without stopping Redis for everyone else.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

/** Where the proxy forwards to. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

/** A running proxy. Connect clients to `host`:`port`. */
export interface TcpProxy {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Connections currently forwarded. */
  readonly connections: number;
  /** Destroys every forwarded connection, and every new one as soon as it arrives, until `restore()`. */
  cut(): void;
  /** Forwards new connections again. */
  restore(): void;
  /** Keeps the open connections but destroys every new one as soon as it arrives, until `restore()`. */
  refuseNew(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy to `target` on a free port of 127.0.0.1. */
export async function startTcpProxy(target: ProxyTarget): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let isCut = false;
  const server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.host, port: target.port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('proxy did not get a port');
  const destroyAll = () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    host: '127.0.0.1',
    port: address.port,
    get connections() {
      return pairs.size;
    },
    cut() {
      isCut = true;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    refuseNew() {
      isCut = true;
    },
    async close() {
      isCut = true;
      destroyAll();
      server.close();
      await once(server, 'close');
    },
  };
}
