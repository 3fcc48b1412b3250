import type { FrameworkRequest } from '@wsgate/core';

/**
 * An HTTP request as the platforms hand it to controllers: Node's `IncomingMessage` (Express
 * `Request` is one) or a wrapper holding it as `raw` (Fastify `FastifyRequest`); core's
 * `handshakeRequestFrom` reads either.
 */
export type HttpRequestLike = FrameworkRequest;
