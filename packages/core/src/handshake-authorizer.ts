import { CloseCode } from './close-codes.js';
import { DEFAULTS } from './defaults.js';
import { nonEmptyString } from './option-checks.js';
import { WsGateConfigError, WsGateError } from './errors.js';
import { headerValue, type HandshakeRequest } from './handshake-request.js';
import { checkHandshakeSyntax, type HandshakeSyntaxError } from './handshake-syntax.js';
import type { OriginPolicy, OriginRefusalReason } from './origin-policy.js';
import { releaseSlot, type SlotAcquisition, type SlotLimits } from './connection-slot-store.js';
import { createRefusalLimiter, type RefusalLimitOptions } from './refusal-limiter.js';
import { extractTicket, type TicketExtraction, type TicketSource } from './ticket-extraction.js';
import type { Principal, TicketRefusalReason, TicketService } from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';
import { isThenable } from './thenable.js';
import type { TransportPolicy } from './transport-policy.js';

/** Stable codes of a refused handshake. */
export type HandshakeRefusalCode =
  | 'BAD_HANDSHAKE'
  | 'METHOD_NOT_ALLOWED'
  | 'INSECURE_TRANSPORT'
  | 'ORIGIN_NOT_ALLOWED'
  | 'TICKET_MISSING'
  | 'TICKET_INVALID'
  | 'TOO_MANY_REFUSALS'
  | 'TOO_MANY_CONNECTIONS'
  | 'SERVICE_UNAVAILABLE';

/** HTTP status of a refused handshake, and the close code used in close-frame refusal mode. */
export const HANDSHAKE_REFUSALS: Readonly<
  Record<HandshakeRefusalCode, { status: HandshakeRefusalStatus; closeCode: number }>
> = Object.freeze({
  BAD_HANDSHAKE: { status: 400, closeCode: CloseCode.ProtocolError },
  METHOD_NOT_ALLOWED: { status: 405, closeCode: CloseCode.ProtocolError },
  INSECURE_TRANSPORT: { status: 403, closeCode: CloseCode.Forbidden },
  ORIGIN_NOT_ALLOWED: { status: 403, closeCode: CloseCode.Forbidden },
  TICKET_MISSING: { status: 401, closeCode: CloseCode.Unauthorized },
  TICKET_INVALID: { status: 401, closeCode: CloseCode.Unauthorized },
  TOO_MANY_REFUSALS: { status: 429, closeCode: CloseCode.RateLimited },
  TOO_MANY_CONNECTIONS: { status: 429, closeCode: CloseCode.RateLimited },
  SERVICE_UNAVAILABLE: { status: 503, closeCode: CloseCode.TryAgainLater },
});

/** HTTP status of a refused handshake. */
export type HandshakeRefusalStatus = 400 | 401 | 403 | 405 | 429 | 503;

/** Detail of a refusal, for the audit log (never sent to the client, never a secret). */
export type HandshakeRefusalReason =
  | 'bad_handshake'
  | 'method_not_allowed'
  | 'unknown_address'
  | 'insecure'
  | `origin_${OriginRefusalReason}`
  | TicketRefusalReason
  | 'duplicate'
  | 'bad_request'
  | 'session_ended'
  | 'address_blocked'
  | 'subject_connection_limit'
  | 'address_connection_limit'
  | 'store_unavailable'
  | 'draining'
  | 'internal_error'
  | 'transport_not_allowed'
  | 'session_unknown'
  | 'session_address_mismatch'
  | 'session_origin_mismatch';

/** A refused handshake: answer with `status` before the upgrade (or close with `closeCode`). */
export interface HandshakeRefusal {
  readonly ok: false;
  readonly status: HandshakeRefusalStatus;
  readonly code: HandshakeRefusalCode;
  readonly closeCode: number;
  readonly reason: HandshakeRefusalReason;
  /** Normalised client address (for logs and rate limits). */
  readonly clientIp: string | undefined;
  /** The refused Origin header, cut to 256 characters (only on an `ORIGIN_NOT_ALLOWED` refusal; for logs). */
  readonly origin?: string;
}

/** An authorized handshake. */
export interface HandshakeAcceptance<TClaims extends TicketClaims = TicketClaims> {
  readonly ok: true;
  readonly principal: Principal<TClaims>;
  /** Subprotocol to select in the response (`wsgate` when the ticket came as a subprotocol). */
  readonly protocol: string | undefined;
  readonly clientIp: string | undefined;
  readonly origin: string | undefined;
  /**
   * The connection slot the ticket store took with the ticket (`slotLimits` and a store that
   * folds slots), or `undefined` when none was asked for.
   */
  readonly slot?: SlotAcquisition | undefined;
}

/** Result of {@link HandshakeAuthorizer.authorize}. */
export type HandshakeResult<TClaims extends TicketClaims = TicketClaims> =
  HandshakeAcceptance<TClaims> | HandshakeRefusal;

/** Options of {@link createHandshakeAuthorizer}. */
export interface HandshakeAuthorizerOptions<TClaims extends TicketClaims = TicketClaims> {
  tickets: TicketService<TClaims>;
  origins: OriginPolicy;
  transport: TransportPolicy;
  /** Where the ticket may be. @default ['query', 'subprotocol'] */
  ticketSources?: readonly TicketSource[];
  /** Query parameter carrying the ticket. @default 'ticket' */
  queryParam?: string;
  /**
   * Checked after a successful redeem: is the ticket's session still active? A ticket issued
   * before a logout is refused (401 `TICKET_INVALID`, reason `session_ended`) instead of opening
   * a socket nothing would ever revoke. A throw or rejection counts as a store fault (503).
   */
  isSessionActive?: (principal: Principal<TClaims>) => boolean | Promise<boolean>;
  /**
   * Per-address brute-force limit on refused ticket presentations, or `false`.
   * @default { maxRefusals: 100, windowMs: 60_000 }
   */
  bruteForce?: RefusalLimitOptions | false;
}

/** Transport and Origin passed, no ticket looked at yet. */
type HandshakePrecheck =
  | { readonly ok: true; readonly clientIp: string | undefined; readonly origin: string | undefined }
  | HandshakeRefusal;

/**
 * What {@link HandshakeAuthorizer.inspect} reads from a handshake as it arrives: its syntax and
 * its ticket. An adapter that must redact the ticket from the request before anything else sees
 * it (a framework's router and logger) inspects first and authorizes with the inspection.
 */
export interface HandshakeInspection {
  /** Why `ws` would refuse the handshake, if it would (WebSocket upgrades only). */
  readonly syntaxError: HandshakeSyntaxError | undefined;
  /** The ticket, and where it was. */
  readonly extraction: TicketExtraction;
}

/** What kind of request {@link HandshakeAuthorizer.authorize} looks at. */
export interface AuthorizeOptions {
  /**
   * A WebSocket upgrade (its syntax is checked as `ws` would, first), or a plain HTTP request
   * that opens a session (Engine.IO long-polling). @default true
   */
  readonly websocket?: boolean;
  /** The inspection made when the request arrived, if the request was redacted since. */
  readonly inspection?: HandshakeInspection;
  /**
   * Take a connection slot for the ticket's subject and the client address under these caps in
   * the same store operation as the ticket, when the ticket service can (`tickets.slotStore`).
   * The slot is given back when the upgrade is refused after it was taken.
   */
  readonly slotLimits?: SlotLimits;
}

/**
 * Where an open transport session was authorized: the address and Origin of the request that
 * redeemed its ticket (a {@link HandshakeAcceptance}'s `clientIp` and `origin`).
 */
export interface SessionBinding {
  readonly clientIp: string | undefined;
  readonly origin: string | undefined;
}

/** A request of an open session that passed {@link HandshakeAuthorizer.authorizeSessionRequest}. */
export interface SessionRequestAcceptance {
  readonly ok: true;
  readonly clientIp: string | undefined;
}

/** The one check both adapters run on an upgrade request, before the upgrade. */
export interface HandshakeAuthorizer<TClaims extends TicketClaims = TicketClaims> {
  /**
   * Full check: handshake syntax, client address, transport, Origin, brute-force limit, ticket.
   * Never rejects: store faults become a 503 refusal.
   */
  authorize(request: HandshakeRequest, options?: AuthorizeOptions): Promise<HandshakeResult<TClaims>>;
  /**
   * The check of a later request of a session the ticket opened, for transports whose session
   * spans several HTTP requests (Engine.IO long-polling and its upgrade, carrying the session id):
   * syntax (WebSocket upgrades), address, transport and Origin as for a handshake, then the
   * brute-force limit, then the session's binding: an unknown session, another client address or
   * another Origin (when the request has one) is refused 401 `TICKET_INVALID` and counted as a
   * refused presentation. No ticket is involved. Never throws.
   */
  authorizeSessionRequest(
    request: HandshakeRequest,
    binding: SessionBinding | undefined,
    options?: Pick<AuthorizeOptions, 'websocket'>,
  ): SessionRequestAcceptance | HandshakeRefusal;
  /** Reads the handshake's syntax and ticket, as they are now. Never throws. */
  inspect(request: HandshakeRequest, options?: Pick<AuthorizeOptions, 'websocket'>): HandshakeInspection;
}

/** A header value as it may appear in a log line: bounded, so a client cannot flood the log. */
function forLog(value: string): string {
  return value.length > 256 ? `${value.slice(0, 256)}…` : value;
}

/**
 * Builds a refusal with the status and close code of its code (the table above), for adapters
 * that refuse a request of their transport's own before the authorizer runs (an Engine.IO
 * transport that is off).
 */
export function handshakeRefusal(
  code: HandshakeRefusalCode,
  reason: HandshakeRefusalReason,
  clientIp: string | undefined,
): HandshakeRefusal {
  const { status, closeCode } = HANDSHAKE_REFUSALS[code];
  return { ok: false, status, code, closeCode, reason, clientIp };
}

const refusal = handshakeRefusal;

/**
 * Creates the handshake authorizer. In order: the handshake's syntax (what `ws` would refuse
 * with 400/405 is refused here, before the ticket is touched), a known client address, then
 * transport (wss when required), then Origin
 * (a refusal here does not touch the ticket, so it is not consumed), then the per-address
 * brute-force limit (429 before any store access), then the ticket's place
 * (query or subprotocol; two tickets are refused), then the single-use redeem with its IP and
 * Origin binding.
 *
 * @example
 * const authorize = createHandshakeAuthorizer({ tickets, origins, transport });
 * const result = await authorize.authorize(handshakeRequestFrom(req));
 * if (!result.ok) return reject(result.status);
 */
export function createHandshakeAuthorizer<TClaims extends TicketClaims = TicketClaims>(
  options: HandshakeAuthorizerOptions<TClaims>,
): HandshakeAuthorizer<TClaims> {
  const { tickets, origins, transport } = options;
  if (tickets === undefined || origins === undefined || transport === undefined) {
    throw new WsGateConfigError('createHandshakeAuthorizer needs tickets, origins and transport');
  }
  const sources = Object.freeze([...(options.ticketSources ?? ['query', 'subprotocol'])]);
  if (sources.length === 0 || sources.some((source) => source !== 'query' && source !== 'subprotocol')) {
    throw new WsGateConfigError("ticketSources must list 'query' and/or 'subprotocol'");
  }
  const queryParam = nonEmptyString('queryParam', options.queryParam, DEFAULTS.queryParam);
  const { isSessionActive } = options;
  const refusals = options.bruteForce === false ? undefined : createRefusalLimiter(options.bruteForce ?? {});
  const refuseTicket = async (
    code: 'TICKET_MISSING' | 'TICKET_INVALID',
    reason: HandshakeRefusalReason,
    clientIp: string | undefined,
  ): Promise<HandshakeRefusal> => {
    try {
      // Counted before the answer, so that the next presentation (on any instance sharing the
      // counter) sees it.
      await refusals?.recordRefusal(clientIp);
    } catch {
      // A counter that cannot count does not turn a refusal into anything else.
    }
    return refusal(code, reason, clientIp);
  };
  if (isSessionActive !== undefined && typeof isSessionActive !== 'function') {
    throw new WsGateConfigError('isSessionActive must be a function');
  }

  function precheck(request: HandshakeRequest): HandshakePrecheck {
    let clientIp: string | undefined;
    try {
      clientIp = transport.clientIp(request);
      // Every per-address limit needs an address: a request without one (socket gone) is refused.
      if (clientIp === undefined) return refusal('BAD_HANDSHAKE', 'unknown_address', clientIp);
      if (transport.requireSecure && !transport.isSecure(request))
        return refusal('INSECURE_TRANSPORT', 'insecure', clientIp);
      const originHeader = headerValue(request.headers, 'origin');
      const originCheck = origins.check(originHeader);
      if (!originCheck.ok)
        return {
          ...refusal('ORIGIN_NOT_ALLOWED', `origin_${originCheck.reason}`, clientIp),
          ...(originHeader === undefined ? {} : { origin: forLog(originHeader) }),
        };
      return { ok: true, clientIp, origin: originCheck.origin };
    } catch {
      return refusal('ORIGIN_NOT_ALLOWED', 'bad_request', clientIp);
    }
  }

  /** What every request is checked for before its credential: syntax, then the precheck. */
  function checkBeforeCredential(
    request: HandshakeRequest,
    syntaxError: HandshakeSyntaxError | undefined,
  ): HandshakePrecheck {
    if (syntaxError !== undefined)
      return refusal(
        syntaxError.status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_HANDSHAKE',
        syntaxError.reason,
        undefined,
      );
    return precheck(request);
  }

  function inspect(
    request: HandshakeRequest,
    options: Pick<AuthorizeOptions, 'websocket'> = {},
  ): HandshakeInspection {
    let syntaxError: HandshakeSyntaxError | undefined;
    let extraction: TicketExtraction;
    try {
      syntaxError = options.websocket === false ? undefined : checkHandshakeSyntax(request);
      extraction = extractTicket(request, sources, queryParam);
    } catch {
      extraction = { kind: 'malformed_request' };
    }
    return { syntaxError, extraction };
  }

  async function authorize(
    request: HandshakeRequest,
    options: AuthorizeOptions = {},
  ): Promise<HandshakeResult<TClaims>> {
    const { syntaxError, extraction } = options.inspection ?? inspect(request, options);
    const checked = checkBeforeCredential(request, syntaxError);
    if (!checked.ok) return checked;
    const { clientIp, origin } = checked;
    /** The subject of a slot taken with the ticket, until the upgrade is accepted. */
    let taken: string | undefined;
    const giveBack = () => {
      if (taken !== undefined) releaseSlot(tickets.slotStore, { subject: taken, address: clientIp });
      taken = undefined;
    };
    try {
      if (refusals !== undefined) {
        // Synchronous with the default counter: no await (and no turn of the event loop) then.
        const blocked = refusals.isBlocked(clientIp);
        if (isThenable(blocked) ? await blocked : blocked)
          return refusal('TOO_MANY_REFUSALS', 'address_blocked', clientIp);
      }
      switch (extraction.kind) {
        case 'none':
          return refuseTicket('TICKET_MISSING', 'missing', clientIp);
        case 'duplicate':
          return refuseTicket('TICKET_INVALID', 'duplicate', clientIp);
        case 'malformed_request':
          return refuseTicket('TICKET_INVALID', 'bad_request', clientIp);
        case 'found':
          break;
      }
      const claim =
        options.slotLimits === undefined ? undefined : { address: clientIp, limits: options.slotLimits };
      const redeemed = await tickets.redeem(extraction.ticket, { ip: clientIp, origin }, claim);
      if (!redeemed.ok) {
        return refuseTicket(
          redeemed.reason === 'missing' ? 'TICKET_MISSING' : 'TICKET_INVALID',
          redeemed.reason,
          clientIp,
        );
      }
      taken = redeemed.slot?.ok === true ? redeemed.principal.subject : undefined;
      if (isSessionActive !== undefined && !(await isSessionActive(redeemed.principal))) {
        giveBack();
        return refuseTicket('TICKET_INVALID', 'session_ended', clientIp);
      }
      return {
        ok: true,
        principal: redeemed.principal,
        protocol: extraction.protocol,
        clientIp,
        origin,
        ...(redeemed.slot === undefined ? {} : { slot: redeemed.slot }),
      };
    } catch (error) {
      giveBack();
      // Store down or slow: fail closed, keep serving. Anything else is a bug, still never an open socket.
      return refusal(
        'SERVICE_UNAVAILABLE',
        error instanceof WsGateError ? 'store_unavailable' : 'internal_error',
        clientIp,
      );
    }
  }

  /** A refused session request: counted like a refused ticket (not awaited: the answer is synchronous). */
  function refuseSessionRequest(
    reason: HandshakeRefusalReason,
    clientIp: string | undefined,
  ): HandshakeRefusal {
    try {
      void Promise.resolve(refusals?.recordRefusal(clientIp)).catch(() => undefined);
    } catch {
      // A counter that cannot count does not turn a refusal into anything else.
    }
    return refusal('TICKET_INVALID', reason, clientIp);
  }

  function authorizeSessionRequest(
    request: HandshakeRequest,
    binding: SessionBinding | undefined,
    options: Pick<AuthorizeOptions, 'websocket'> = {},
  ): SessionRequestAcceptance | HandshakeRefusal {
    const checked = checkBeforeCredential(request, inspect(request, options).syntaxError);
    if (!checked.ok) return checked;
    const { clientIp, origin } = checked;
    // Synchronous by contract: an address blocked in this process's count is refused here; with
    // a shared counter (a promise), the block applies at the address's next ticket presentation.
    if (refusals?.isBlocked(clientIp) === true)
      return refusal('TOO_MANY_REFUSALS', 'address_blocked', clientIp);
    if (binding === undefined) return refuseSessionRequest('session_unknown', clientIp);
    if (clientIp !== binding.clientIp) return refuseSessionRequest('session_address_mismatch', clientIp);
    // Browsers leave Origin out of same-origin GET requests: only a different one is refused.
    if (origin !== undefined && origin !== binding.origin)
      return refuseSessionRequest('session_origin_mismatch', clientIp);
    return { ok: true, clientIp };
  }

  return Object.freeze({ authorize, inspect, authorizeSessionRequest });
}
