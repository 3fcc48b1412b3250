import {
  createConnectionRegistry,
  type ClosableConnection,
  type ConnectionLimits,
  type ConnectionRegistry,
  type ConnectionReservation,
} from './connection-registry.js';
import { WsGateConfigError } from './errors.js';
import {
  createHandshakeAuthorizer,
  HANDSHAKE_REFUSALS,
  type AuthorizeOptions,
  type HandshakeInspection,
  type HandshakeAcceptance,
  type HandshakeAuthorizer,
  type HandshakeRefusal,
} from './handshake-authorizer.js';
import type { RefusalLimitOptions } from './refusal-limiter.js';
import {
  createConnectionSupervisor,
  type ConnectionSupervisor,
  type SupervisionOptions,
} from './connection-supervisor.js';
import { headerValue, type HandshakeRequest } from './handshake-request.js';
import {
  createMessageGuard,
  type MessageGuard,
  type MessageGuardOptions,
  type MessageOf,
  type MessageSchemas,
} from './message-guard.js';
import { createOriginPolicy, type OriginPolicy, type OriginPolicyOptions } from './origin-policy.js';
import type { TicketSource } from './ticket-extraction.js';
import {
  createTicketService,
  type IssuedTicket,
  type Principal,
  type TicketService,
  type TicketServiceOptions,
} from './ticket-service.js';
import type { TicketClaims } from './ticket-store.js';
import {
  createTransportPolicy,
  type TransportPolicy,
  type TransportPolicyOptions,
} from './transport-policy.js';

/**
 * How a refused handshake is answered:
 * - `'http'` (default): an HTTP 401/403/503 before the upgrade; no socket ever opens.
 * - `'close-frame'`: accept, then close at once with 4401/4403/1013 and a reason, for apps
 *   whose browser clients must see a code (browsers report a refused upgrade as 1006 only).
 */
export type RefusalMode = 'http' | 'close-frame';

/** Everything an adapter needs, as one options object (shared by `@wsgate/fastify` and `@wsgate/nestjs`). */
export interface WsGateOptions<
  TClaims extends TicketClaims = TicketClaims,
  S extends MessageSchemas = MessageSchemas,
> {
  /** A ticket service, or options to create one (memory store by default). @default {} */
  tickets?: TicketService<TClaims> | TicketServiceOptions;
  /** The Origin allowlist: a compiled policy or its options. Required. */
  origins: OriginPolicy | OriginPolicyOptions;
  /** Trusted proxies and `requireSecure`. @default { trustProxy: false, requireSecure: false } */
  transport?: TransportPolicy | TransportPolicyOptions;
  /** Message guard settings, when the app routes messages through @wsgate. */
  messages?: MessageGuardOptions<S>;
  /** Where clients may put the ticket. @default ['query', 'subprotocol'] */
  ticketSources?: readonly TicketSource[];
  /** Query parameter carrying the ticket. @default 'ticket' */
  queryParam?: string;
  /** How refused handshakes are answered. @default 'http' */
  refusal?: RefusalMode;
  /**
   * Is the ticket's session still active? Checked on every upgrade after the ticket is redeemed,
   * so a ticket issued before a logout cannot open a socket. Strongly recommended with sessions.
   */
  isSessionActive?: (principal: Principal<TClaims>) => boolean | Promise<boolean>;
  /**
   * Per-address limit on refused ticket presentations (429 before any store access), or `false`.
   * @default { maxRefusals: 100, windowMs: 60_000 }
   */
  bruteForce?: RefusalLimitOptions | false;
  /** Caps on connections per subject and per address (429 before the upgrade). @default { maxPerSubject: 10, maxPerAddress: 100 } */
  connections?: ConnectionLimits;
  /** Heartbeat, lifetime, session re-check and send-buffer cap of open connections. */
  supervision?: SupervisionOptions;
  /**
   * Longest time an upgrade request may take to become a WebSocket (authorization, the app's
   * hooks, a response it waits behind); past it, adapters destroy its socket.
   * @default 10_000
   */
  upgradeTimeoutMs?: number;
}

/** An accepted upgrade with the connection slot it holds: attach the socket, or release the slot. */
export type UpgradeAcceptance<
  TClaims extends TicketClaims,
  C extends ClosableConnection,
> = HandshakeAcceptance<TClaims> & {
  readonly reservation: ConnectionReservation<C>;
};

/** Result of {@link WsGate.authorizeUpgrade}. */
export type UpgradeResult<TClaims extends TicketClaims, C extends ClosableConnection> =
  UpgradeAcceptance<TClaims, C> | HandshakeRefusal;

/** The resolved, frozen @wsgate configuration and the services built from it. */
export interface WsGate<
  TClaims extends TicketClaims = TicketClaims,
  M = unknown,
  C extends ClosableConnection = ClosableConnection,
> {
  readonly tickets: TicketService<TClaims>;
  readonly origins: OriginPolicy;
  readonly transport: TransportPolicy;
  readonly authorizer: HandshakeAuthorizer<TClaims>;
  /** `undefined` when no `messages` option was given. */
  readonly messageGuard: MessageGuard<M> | undefined;
  readonly registry: ConnectionRegistry<C>;
  /** Heartbeat, lifetime, session re-check and slow-reader protection for open sockets. */
  readonly supervisor: ConnectionSupervisor;
  /** The `isSessionActive` option, for periodic re-checks of open connections. */
  readonly isSessionActive: ((principal: Principal<TClaims>) => boolean | Promise<boolean>) | undefined;
  readonly refusal: RefusalMode;
  readonly queryParam: string;
  /** Longest time an upgrade request may take to become a WebSocket (ms). */
  readonly upgradeTimeoutMs: number;
  /**
   * What adapters call on every upgrade request: the handshake authorizer, then the connection
   * caps. On acceptance, attach the socket to `reservation` once it exists (or `release()` it).
   * Never rejects.
   */
  authorizeUpgrade(request: HandshakeRequest, options?: AuthorizeOptions): Promise<UpgradeResult<TClaims, C>>;
  /**
   * Reads a handshake's syntax and ticket as it arrives, for adapters that redact the request
   * before authorizing it (pass the result as `authorizeUpgrade(request, { inspection })`).
   */
  inspectHandshake(request: HandshakeRequest): HandshakeInspection;
  /**
   * The checks of a ticket request that need no user: transport (when `requireSecure`) and
   * Origin (a foreign Origin gets 403 and no ticket). Run it before authenticating.
   */
  precheckTicketRequest(request: HandshakeRequest): TicketRequestPrecheck;
  /**
   * Issues a ticket for an authenticated HTTP request (the app's ticket endpoint): refuses a
   * foreign Origin (403, no ticket issued), binds the ticket to the client address resolved
   * through trusted proxies and to the request's Origin.
   */
  issueForRequest(
    request: HandshakeRequest,
    input: { subject: string; sessionId?: string | undefined; claims?: TClaims | undefined },
  ): Promise<IssueForRequestResult>;
}

/** A ticket request refused before any user lookup. */
export interface TicketRequestRefusal {
  readonly ok: false;
  readonly status: 403;
  readonly code: 'ORIGIN_NOT_ALLOWED' | 'INSECURE_TRANSPORT';
}

/** Result of {@link WsGate.precheckTicketRequest}. */
export type TicketRequestPrecheck =
  { readonly ok: true; readonly origin: string | undefined } | TicketRequestRefusal;

/** Result of {@link WsGate.issueForRequest}. */
export type IssueForRequestResult = ({ readonly ok: true } & IssuedTicket) | TicketRequestRefusal;

function isTicketService<TClaims extends TicketClaims>(value: unknown): value is TicketService<TClaims> {
  return value !== null && typeof value === 'object' && typeof (value as TicketService).redeem === 'function';
}

function isOriginPolicy(value: unknown): value is OriginPolicy {
  return value !== null && typeof value === 'object' && typeof (value as OriginPolicy).check === 'function';
}

function isTransportPolicy(value: unknown): value is TransportPolicy {
  return (
    value !== null && typeof value === 'object' && typeof (value as TransportPolicy).clientIp === 'function'
  );
}

/**
 * Reads, defaults and validates @wsgate options once, and builds the ticket service, Origin
 * policy, transport policy, handshake authorizer, message guard and connection registry.
 * Throws `WsGateConfigError` on a bad option, so a misconfigured app fails at start-up.
 *
 * @example
 * const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
 */
export function createWsGate<
  TClaims extends TicketClaims = TicketClaims,
  S extends MessageSchemas = MessageSchemas,
  C extends ClosableConnection = ClosableConnection,
>(options: WsGateOptions<TClaims, S>): WsGate<TClaims, MessageOf<S>, C> {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('@wsgate options are required');
  if (options.origins === undefined)
    throw new WsGateConfigError('origins is required: list the origins allowed to connect');
  const refusal = options.refusal ?? 'http';
  if (refusal !== 'http' && refusal !== 'close-frame')
    throw new WsGateConfigError("refusal must be 'http' or 'close-frame'");
  const queryParam = options.queryParam ?? 'ticket';
  const upgradeTimeoutMs = options.upgradeTimeoutMs ?? 10_000;
  if (!Number.isInteger(upgradeTimeoutMs) || upgradeTimeoutMs < 1)
    throw new WsGateConfigError('upgradeTimeoutMs must be a positive integer');

  const tickets = isTicketService<TClaims>(options.tickets)
    ? options.tickets
    : createTicketService<TClaims>(options.tickets ?? {});
  const origins = isOriginPolicy(options.origins) ? options.origins : createOriginPolicy(options.origins);
  const transport = isTransportPolicy(options.transport)
    ? options.transport
    : createTransportPolicy(options.transport ?? {});
  const authorizer = createHandshakeAuthorizer<TClaims>({
    tickets,
    origins,
    transport,
    ticketSources: options.ticketSources,
    queryParam,
    isSessionActive: options.isSessionActive,
    bruteForce: options.bruteForce,
  });
  const registry = createConnectionRegistry<C>(options.connections);

  async function authorizeUpgrade(
    request: HandshakeRequest,
    authorizeOptions?: AuthorizeOptions,
  ): Promise<UpgradeResult<TClaims, C>> {
    const result = await authorizer.authorize(request, authorizeOptions);
    if (!result.ok) return result;
    const reserved = registry.tryReserve(result.principal, result.clientIp);
    if (!reserved.ok) {
      const { status, closeCode } = HANDSHAKE_REFUSALS.TOO_MANY_CONNECTIONS;
      return {
        ok: false,
        status,
        closeCode,
        code: 'TOO_MANY_CONNECTIONS',
        reason: reserved.reason,
        clientIp: result.clientIp,
      };
    }
    return { ...result, reservation: reserved.reservation };
  }
  function precheckTicketRequest(request: HandshakeRequest): TicketRequestPrecheck {
    if (transport.requireSecure && !transport.isSecure(request))
      return { ok: false, status: 403, code: 'INSECURE_TRANSPORT' };
    const originCheck = origins.check(headerValue(request.headers, 'origin'));
    if (!originCheck.ok) return { ok: false, status: 403, code: 'ORIGIN_NOT_ALLOWED' };
    return { ok: true, origin: originCheck.origin };
  }
  const messageGuard = options.messages === undefined ? undefined : createMessageGuard(options.messages);

  const gate: WsGate<TClaims, MessageOf<S>, C> = {
    tickets,
    origins,
    transport,
    authorizer,
    messageGuard,
    registry,
    supervisor: createConnectionSupervisor(options.supervision),
    isSessionActive: options.isSessionActive,
    refusal,
    authorizeUpgrade,
    inspectHandshake: (request) => authorizer.inspect(request),
    queryParam,
    upgradeTimeoutMs,
    precheckTicketRequest,
    async issueForRequest(request, input): Promise<IssueForRequestResult> {
      const checked = precheckTicketRequest(request);
      if (!checked.ok) return checked;
      const issued = await tickets.issue({
        ...input,
        ip: transport.clientIp(request),
        origin: checked.origin,
      });
      return { ok: true, ...issued };
    },
  };
  return Object.freeze(gate);
}
