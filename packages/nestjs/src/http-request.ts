import { handshakeRequestFrom, type HandshakeRequest, type IncomingMessageLike } from '@wsgate/core';

/**
 * An HTTP request as the platforms hand it to controllers: Node's `IncomingMessage` (Express
 * `Request` is one) or a wrapper holding it as `raw` (Fastify `FastifyRequest`).
 */
export type HttpRequestLike = IncomingMessageLike | { readonly raw: IncomingMessageLike };

/** @internal The core view of a platform request (client address and TLS from the Node socket). */
export function handshakeRequestOf(request: HttpRequestLike): HandshakeRequest {
  const raw =
    'raw' in request && request.raw !== null && typeof request.raw === 'object'
      ? request.raw
      : (request as IncomingMessageLike);
  return handshakeRequestFrom(raw);
}
