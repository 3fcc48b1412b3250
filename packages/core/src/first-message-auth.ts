import { CloseCode } from './close-codes.js';
import type { ClosableConnection } from './connection-registry.js';
import { WsGateConfigError } from './errors.js';
import type { RawFrame } from './message-guard.js';
import { parseUntrustedJson } from './safe-json.js';
import type { Principal, TicketService } from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';

/** Options of {@link createFirstMessageAuthenticator}. */
export interface FirstMessageAuthOptions<TClaims extends TicketClaims = TicketClaims> {
  tickets: TicketService<TClaims>;
  /** How long an open socket may stay unauthenticated before it is closed with 4408. @default 5_000 */
  authTimeoutMs?: number;
  /** Largest accepted auth frame in bytes. @default 1_024 */
  maxBytes?: number;
}

/** Result of the first frame. On failure the connection has already been closed. */
export type FirstMessageResult<TClaims extends TicketClaims = TicketClaims> =
  | { readonly ok: true; readonly principal: Principal<TClaims> }
  | { readonly ok: false; readonly closeCode: number; readonly reason: string };

/** One pending first-message authentication. */
export interface PendingFirstMessageAuth<TClaims extends TicketClaims = TicketClaims> {
  /** Feed the first frame (`{"type":"auth","ticket":"..."}`). Call it once. */
  handle(data: RawFrame, isBinary: boolean): Promise<FirstMessageResult<TClaims>>;
  /** Stops the timeout (e.g. the socket closed by itself). */
  cancel(): void;
}

/** First-message authentication for clients that can set neither a query nor a subprotocol. */
export interface FirstMessageAuthenticator<TClaims extends TicketClaims = TicketClaims> {
  /**
   * Starts the clock on a just-opened connection that passed `authorizer.precheck` (transport
   * and Origin). `context` is where the connection came from, for the ticket's bindings.
   */
  begin(
    connection: ClosableConnection,
    context: { ip: string | undefined; origin: string | undefined },
  ): PendingFirstMessageAuth<TClaims>;
}

/**
 * Creates the first-message authenticator: the ticket arrives as the first frame,
 * `{"type":"auth","ticket":"..."}`, within `authTimeoutMs`, else the socket closes with 4408.
 * A bad ticket closes it with 4401. Prefer query or subprotocol tickets, which refuse before
 * the upgrade; this mode necessarily opens the socket first.
 */
export function createFirstMessageAuthenticator<TClaims extends TicketClaims = TicketClaims>(
  options: FirstMessageAuthOptions<TClaims>,
): FirstMessageAuthenticator<TClaims> {
  const authTimeoutMs = options.authTimeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 1_024;
  if (!Number.isInteger(authTimeoutMs) || authTimeoutMs < 1)
    throw new WsGateConfigError('authTimeoutMs must be a positive integer');
  if (!Number.isInteger(maxBytes) || maxBytes < 64)
    throw new WsGateConfigError('maxBytes must be an integer >= 64');
  const { tickets } = options;

  const authenticator: FirstMessageAuthenticator<TClaims> = {
    begin(connection, context): PendingFirstMessageAuth<TClaims> {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        connection.close(CloseCode.AuthTimeout, 'authentication timeout');
      }, authTimeoutMs);
      timer.unref();

      const fail = (closeCode: number, reason: string): FirstMessageResult<TClaims> => {
        connection.close(closeCode, reason);
        return { ok: false, closeCode, reason };
      };

      return {
        cancel: () => clearTimeout(timer),
        async handle(data, isBinary): Promise<FirstMessageResult<TClaims>> {
          if (settled)
            return { ok: false, closeCode: CloseCode.AuthTimeout, reason: 'authentication already settled' };
          settled = true;
          clearTimeout(timer);
          if (isBinary) return fail(CloseCode.UnsupportedData, 'binary frames are not accepted');
          const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : '';
          if (text === '' || Buffer.byteLength(text) > maxBytes)
            return fail(CloseCode.Unauthorized, 'invalid auth message');
          const parsed = parseUntrustedJson(text, 2);
          const message = parsed.ok ? (parsed.value as Record<string, unknown> | null) : null;
          if (
            message === null ||
            typeof message !== 'object' ||
            message['type'] !== 'auth' ||
            typeof message['ticket'] !== 'string'
          ) {
            return fail(CloseCode.Unauthorized, 'invalid auth message');
          }
          try {
            const result = await tickets.redeem(message['ticket'], context);
            if (!result.ok) return fail(CloseCode.Unauthorized, 'invalid ticket');
            return { ok: true, principal: result.principal };
          } catch {
            return fail(CloseCode.TryAgainLater, 'service unavailable');
          }
        },
      };
    },
  };
  return Object.freeze(authenticator);
}
