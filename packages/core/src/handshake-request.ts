/** Header map as Node's `IncomingHttpHeaders` has it: lower-case names. */
export type HandshakeHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The framework-neutral view of an HTTP upgrade request that adapters hand to core.
 * Built from Node's `IncomingMessage` by {@link handshakeRequestFrom}.
 */
export interface HandshakeRequest {
  /** HTTP method (`GET` for a WebSocket handshake). */
  readonly method: string;
  /** Request target as sent (`/ws?ticket=...`). */
  readonly url: string;
  /** Request headers, lower-case names. */
  readonly headers: HandshakeHeaders;
  /** Address of the TCP peer (the client, or the nearest proxy). */
  readonly remoteAddress: string | undefined;
  /** Whether the TCP connection itself is TLS. */
  readonly encrypted: boolean;
}

/** The parts of Node's `IncomingMessage` that {@link handshakeRequestFrom} reads. */
export interface IncomingMessageLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: HandshakeHeaders;
  readonly socket: {
    readonly remoteAddress?: string | undefined;
    readonly encrypted?: boolean | undefined;
  } | null;
}

/**
 * An HTTP request as a framework hands it to a route: Node's `IncomingMessage` itself (Express's
 * `Request` is one), or a wrapper holding it as `raw` (Fastify's `FastifyRequest`).
 */
export type FrameworkRequest = IncomingMessageLike | { readonly raw: IncomingMessageLike };

/**
 * Builds a {@link HandshakeRequest} from a Node `IncomingMessage` (or anything shaped like one),
 * or from a framework's request wrapping one as `raw` (client address and TLS are the Node
 * socket's).
 */
export function handshakeRequestFrom(request: FrameworkRequest): HandshakeRequest {
  const message =
    'raw' in request && request.raw !== null && typeof request.raw === 'object'
      ? request.raw
      : (request as IncomingMessageLike);
  return {
    method: message.method ?? 'GET',
    url: message.url ?? '/',
    headers: message.headers,
    remoteAddress: message.socket?.remoteAddress,
    encrypted: message.socket?.encrypted === true,
  };
}

/** First value of a header, `undefined` when absent. */
export function headerValue(headers: HandshakeHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value[0];
}
