import { WsGateClientError } from './errors.js';
import type { ClientConfig } from './options.js';

/** Outcome of one ticket request. */
export type TicketResult =
  | { readonly kind: 'ticket'; readonly ticket: string }
  /** 401 or 403: not retried. */
  | { readonly kind: 'refused'; readonly statusCode: 401 | 403 }
  /** Network error, 429, 5xx, any other status, or an unusable body: retried with backoff. */
  | { readonly kind: 'failed'; readonly error: WsGateClientError };

/**
 * RFC 7230 token characters: what a subprotocol entry may hold. A ticket outside this set
 * would make the WebSocket constructor throw (with the ticket in its message), so it is refused here.
 */
const TICKET_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,1024}$/;

/**
 * Asks the ticket endpoint for a fresh single-use ticket: `POST ticketUrl` with
 * `credentials: 'include'`, merged with `fetchInit`. Never throws; never puts the ticket or the
 * response body into an error.
 */
export async function requestTicket(config: ClientConfig, signal: AbortSignal): Promise<TicketResult> {
  let response;
  try {
    response = await config.fetch(config.ticketUrl, {
      method: 'POST',
      credentials: 'include',
      ...config.fetchInit,
      signal: config.fetchInit.signal ?? signal,
    });
  } catch (cause) {
    return failed(
      new WsGateClientError('WSGATE_CLIENT_TICKET_REQUEST_FAILED', 'ticket request failed', { cause }),
    );
  }
  const { status } = response;
  if (status === 401 || status === 403) return { kind: 'refused', statusCode: status };
  if (!response.ok) {
    return failed(
      new WsGateClientError('WSGATE_CLIENT_TICKET_REQUEST_FAILED', `ticket endpoint answered ${status}`, {
        statusCode: status,
      }),
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const ticket =
    typeof body === 'object' && body !== null ? (body as { ticket?: unknown }).ticket : undefined;
  if (typeof ticket !== 'string' || !TICKET_PATTERN.test(ticket)) {
    return failed(
      new WsGateClientError(
        'WSGATE_CLIENT_TICKET_RESPONSE_INVALID',
        'ticket endpoint did not answer {"ticket": "<token>"}',
        {
          statusCode: status,
        },
      ),
    );
  }
  return { kind: 'ticket', ticket };
}

function failed(error: WsGateClientError): TicketResult {
  return { kind: 'failed', error };
}
