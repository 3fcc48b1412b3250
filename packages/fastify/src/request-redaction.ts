import type { IncomingMessage } from 'node:http';
import { redactTicketFromUrl, TICKET_SUBPROTOCOL_PREFIX } from '@wsgate/core';

const kOriginal = Symbol('wsgate.original-request');

interface OriginalRequestParts {
  readonly url: string;
  readonly subprotocols: string | undefined;
}

type StashedRequest = IncomingMessage & { [kOriginal]?: OriginalRequestParts };

/**
 * Takes the ticket out of a raw request before Fastify sees it, so that no logger, whatever
 * its serializers, can record it: the `ticket` query value and `wsgate.ticket.*` subprotocol
 * entries are dropped (the query value becomes `[redacted]`) in `req.url`, the headers and `rawHeaders`. The
 * original values stay on the request under a private symbol for the authorizer.
 */
export function redactIncomingRequest(request: IncomingMessage, queryParam: string): void {
  const url = request.url ?? '/';
  const subprotocols = request.headers['sec-websocket-protocol'];
  const redactedUrl = url.includes('?') ? redactTicketFromUrl(url, queryParam) : url;
  const urlCarriesTicket = redactedUrl !== url;
  const headerCarriesTicket =
    typeof subprotocols === 'string' && subprotocols.includes(TICKET_SUBPROTOCOL_PREFIX);
  if (!urlCarriesTicket && !headerCarriesTicket) return;
  (request as StashedRequest)[kOriginal] = { url, subprotocols };
  if (urlCarriesTicket) request.url = redactedUrl;
  if (headerCarriesTicket) {
    // Dropped rather than masked: `ws` must still parse the header, and selects `wsgate` from what is left.
    const remaining = subprotocols
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '' && !entry.startsWith(TICKET_SUBPROTOCOL_PREFIX))
      .join(', ');
    if (remaining === '') delete request.headers['sec-websocket-protocol'];
    else request.headers['sec-websocket-protocol'] = remaining;
    // A synthetic request (@fastify/websocket's `injectWS`) has no rawHeaders.
    const rawHeaders: string[] = Array.isArray(request.rawHeaders) ? request.rawHeaders : [];
    for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
      if (rawHeaders[index]?.toLowerCase() === 'sec-websocket-protocol') rawHeaders[index + 1] = remaining;
    }
  }
}

/** The request's URL and subprotocol header as the client sent them (before redaction). */
export function originalRequestParts(request: IncomingMessage): OriginalRequestParts {
  return (
    (request as StashedRequest)[kOriginal] ?? {
      url: request.url ?? '/',
      subprotocols: request.headers['sec-websocket-protocol'],
    }
  );
}
