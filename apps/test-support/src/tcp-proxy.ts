// A TCP proxy on a free loopback port: in front of several sample instances as a load balancer
// (round robin; a connection an upstream refuses goes to the next one), or in front of one
// redis-server, to cut an instance's connections to it (as a network fault would) without
// stopping Redis for everyone else.
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  /** The upstream port of every connection the proxy forwarded, in order. */
  readonly routed: number[] = [];
  private readonly pairs = new Set<[Socket, Socket]>();
  private isCut = false;
  private next = 0;
  private pinned: number | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly upstreams: readonly number[],
  ) {}

  /** Starts a proxy on a free port of 127.0.0.1 forwarding to `upstreams` (ports on 127.0.0.1). */
  static async start(upstreams: readonly number[]): Promise<TcpProxy> {
    if (upstreams.length === 0) throw new TypeError('a proxy needs at least one upstream');
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy?.accept(client));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy did not get a port');
    holder.proxy = new TcpProxy(server, address.port, [...upstreams]);
    return holder.proxy;
  }

  /** `redis://127.0.0.1:<port>`, for a proxy in front of a redis-server. */
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Connections currently forwarded. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Destroys every forwarded connection, and every new one as soon as it arrives, until `restore()`. */
  cut(): void {
    this.isCut = true;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Forwards new connections again. */
  restore(): void {
    this.isCut = false;
  }

  /**
   * Sends every new connection to the upstream on `port` first (another one only if it refuses),
   * or, with `undefined`, round robin again.
   */
  pin(port: number | undefined): void {
    if (port !== undefined && !this.upstreams.includes(port))
      throw new TypeError(`${port} is not an upstream`);
    this.pinned = port;
  }

  /** Destroys every connection and stops listening. */
  async close(): Promise<void> {
    this.cut();
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    client.pause();
    client.on('error', () => client.destroy());
    this.connect(client, this.upstreams.length);
  }

  /** Connects `client` to the next upstream; one that refuses is skipped (`attempts` left). */
  private connect(client: Socket, attempts: number): void {
    const first = attempts === this.upstreams.length && this.pinned !== undefined;
    const port = first
      ? (this.pinned as number)
      : (this.upstreams[this.next % this.upstreams.length] as number);
    if (!first) this.next += 1;
    const upstream = createConnection({ host: '127.0.0.1', port });
    const refused = (): void => {
      upstream.destroy();
      if (attempts > 1 && !client.destroyed && !this.isCut) this.connect(client, attempts - 1);
      else client.destroy();
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.removeListener('error', refused);
      if (client.destroyed || this.isCut) {
        upstream.destroy();
        client.destroy();
        return;
      }
      this.routed.push(port);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const end = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of pair) {
        socket.on('error', end);
        socket.on('close', end);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }
}
