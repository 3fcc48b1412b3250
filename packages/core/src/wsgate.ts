import {
  admitConnection,
  admitWebSocket,
  openWebSocket,
  type AdmittableWebSocket,
  type AdmittedConnection,
  type GatedConnection,
  type OpenWebSocketOptions,
  type ServedWebSocket,
} from './admission.js';
import { createAuditEvents, type AuditEvent, type AuditEvents, type AuditOptions } from './audit-events.js';
import {
  createConnectionRegistry,
  type ClosableConnection,
  type ConnectionRegistry,
  type ConnectionReservation,
} from './connection-registry.js';
import { createConnectionSlots, resolveConnectionLimits, type ConnectionLimits } from './connection-slots.js';
import {
  createConnectionSupervisor,
  type ConnectionSupervisor,
  type SessionStatus,
  type SupervisionOptions,
} from './connection-supervisor.js';
import { DEFAULTS } from './defaults.js';
import type { EnvelopeCodec } from './envelope-codecs.js';
import { createDrainer, resolveDrainOptions, type DrainOptions, type DrainResult } from './drain.js';
import { WsGateConfigError, WsGateError } from './errors.js';
import { isThenable } from './thenable.js';
import { resolveFrameLimits, type FrameLimits, type ResolvedFrameLimits } from './frame-check.js';
import {
  createHandshakeAuthorizer,
  HANDSHAKE_REFUSALS,
  type AuthorizeOptions,
  type HandshakeAcceptance,
  type HandshakeAuthorizer,
  type HandshakeInspection,
  type HandshakeRefusal,
  type SessionBinding,
  type SessionRequestAcceptance,
} from './handshake-authorizer.js';
import type { HandshakeRequest } from './handshake-request.js';
import { compileMessageDefinitions, type MessageDefinitions } from './message-definitions.js';
import { createGateMetrics } from './gate-metrics.js';
import { createMessageRouter, type MessageRoute, type MessageRouter } from './message-router.js';
import type { WsGateMeter } from './meter.js';
import { nonEmptyString, oneOf, optionsObject, positiveInteger } from './option-checks.js';
import { createOriginPolicy, type OriginPolicy, type OriginPolicyOptions } from './origin-policy.js';
import type { RefusalLimitOptions } from './refusal-limiter.js';
import { createMemoryRateLimiter, type RequestRateLimiter } from './request-rate-limiter.js';
import { selectSubprotocol } from './subprotocol.js';
import type { TicketSource } from './ticket-extraction.js';
import {
  createTicketRequests,
  type IssueForRequestResult,
  type TicketAnswer,
  type TicketRequestAuthenticator,
  type TicketRequestLimiters,
  type TicketRequestPrecheck,
  type TicketSubject,
} from './ticket-request.js';
import {
  createTicketService,
  isTicketService,
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
import { refusalAnswer, type RefusalAnswer } from './upgrade-decision.js';
import { resolveWsServerOptions, type WsServerOptions } from './ws-server-options.js';

/**
 * How a refused handshake is answered:
 * - `'http'` (default): an HTTP 400/401/403/405/429/503 before the upgrade; no socket ever opens.
 * - `'close-frame'`: accept, then close at once with 4401/4403/4429/1013 and the code as reason,
 *   for apps whose browser clients must see a code (browsers report a refused upgrade as 1006
 *   only). A handshake `ws` itself would refuse (400/405) is always answered in HTTP.
 */
export type RefusalMode = 'http' | 'close-frame';

/**
 * Whether a session is still active, checked on every upgrade (after the ticket is redeemed)
 * and periodically on open connections. May answer updated claims (`{ claims }`), which
 * replace an open connection's claims at the next re-check.
 */
export type SessionCheck<TClaims extends TicketClaims = TicketClaims> = (
  principal: Principal<TClaims>,
) => SessionStatus | Promise<SessionStatus>;

/** Rate limit of ticket requests: per session (per subject without one), counted after authentication. */
export interface TicketRequestOptions {
  /** Tickets per session and window, or `false`. @default { max: 30, windowMs: 60_000 } */
  rateLimit?: { max?: number; windowMs?: number } | false;
  /**
   * Where the count is kept: in this process by default; the adapters plug their framework's
   * store (`@fastify/rate-limit`, `@nestjs/throttler`), or pass your own.
   */
  limiter?: RequestRateLimiter;
}

/** Everything the adapters share, as one options object (read and validated once, here). */
export interface WsGateOptions<TClaims extends TicketClaims = TicketClaims> {
  /** A ticket service, or options to create one (memory store by default). @default {} */
  tickets?: TicketService<TClaims> | TicketServiceOptions;
  /** The Origin allowlist: a compiled policy or its options. Required. */
  origins: OriginPolicy | OriginPolicyOptions;
  /** Trusted proxies and `requireSecure`. @default { trustProxy: false, requireSecure: false } */
  transport?: TransportPolicy | TransportPolicyOptions;
  /** Limits of every inbound message: size, rate, depth. @default { maxBytes: 16_384, rateLimit: { burst: 40, perSecond: 20 }, maxDepth: 32 } */
  messages?: FrameLimits;
  /** Where clients may put the ticket. @default ['query', 'subprotocol'] */
  ticketSources?: readonly TicketSource[];
  /** Query parameter carrying the ticket. @default 'ticket' */
  queryParam?: string;
  /** How refused handshakes are answered. @default 'http' */
  refusal?: RefusalMode;
  /**
   * Is the ticket's session still active? Checked on every upgrade after the ticket is redeemed,
   * so a ticket issued before a logout cannot open a socket, and re-checked on open connections
   * (`supervision.sessionCheckIntervalMs`). Strongly recommended with sessions.
   */
  isSessionActive?: SessionCheck<TClaims>;
  /**
   * Per-address limit on refused ticket presentations (429 before any store access), or `false`.
   * Counted per instance, unless `bruteForce.counter` is shared by every instance
   * (`RedisRefusalCounter`). @default { maxRefusals: 100, windowMs: 60_000 }
   */
  bruteForce?: RefusalLimitOptions | false;
  /**
   * Caps on connections per subject and per address (429 before the upgrade). Counted per
   * instance, unless `connections.slots` is shared by every instance (`RedisConnectionSlots`).
   * @default { maxPerSubject: 10, maxPerAddress: 100 }
   */
  connections?: ConnectionLimits;
  /** Heartbeat, lifetime, session re-check and send-buffer cap of open connections. */
  supervision?: SupervisionOptions;
  /** The ticket route's rate limit. @default { rateLimit: { max: 30, windowMs: 60_000 } } */
  ticketRequests?: TicketRequestOptions;
  /** Audit events: the key of the session-id hash in logs. @default random per process */
  audit?: AuditOptions;
  /**
   * Longest time an upgrade request may take to become a WebSocket (authorization, the app's
   * hooks, a response it waits behind); past it, adapters destroy its socket.
   * @default 10_000
   */
  upgradeTimeoutMs?: number;
  /**
   * Records metrics on this OpenTelemetry `Meter` (upgrades, tickets, refused messages, closes,
   * open connections, store durations, revocations: see docs/operations.md). @wsgate imports
   * nothing from OpenTelemetry: without a meter, nothing is recorded.
   * @default undefined
   */
  meter?: WsGateMeter;
  /** How `drain()` stops the gate when the app shuts down (the adapters call it). @default { delayMs: 0, timeoutMs: 5_000 } */
  drain?: DrainOptions;
  /**
   * Name of the adapter serving this gate: the `wsgate.adapter` attribute of the open
   * connections gauge. The adapters set it. @default 'core'
   */
  adapter?: string;
}

/** An accepted upgrade with the connection slot it holds: admit the socket, or release the slot. */
export type UpgradeAcceptance<
  TClaims extends TicketClaims = TicketClaims,
  C extends ClosableConnection = ClosableConnection,
> = HandshakeAcceptance<TClaims> & {
  readonly reservation: ConnectionReservation<C>;
};

/** Result of {@link WsGate.authorizeUpgrade}. */
export type UpgradeResult<
  TClaims extends TicketClaims = TicketClaims,
  C extends ClosableConnection = ClosableConnection,
> = UpgradeAcceptance<TClaims, C> | HandshakeRefusal;

/** The resolved, frozen @wsgate configuration and every rule adapters apply, once. */
export interface WsGate<TClaims extends TicketClaims = TicketClaims> {
  readonly tickets: TicketService<TClaims>;
  readonly origins: OriginPolicy;
  readonly transport: TransportPolicy;
  readonly authorizer: HandshakeAuthorizer<TClaims>;
  readonly registry: ConnectionRegistry<ClosableConnection>;
  /** Heartbeat, lifetime, session re-check and slow-reader protection for open connections. */
  readonly supervisor: ConnectionSupervisor;
  /** Builders of every audit event adapters log. */
  readonly audit: AuditEvents;
  /** Limits of every inbound message. */
  readonly messageLimits: ResolvedFrameLimits;
  readonly refusal: RefusalMode;
  readonly queryParam: string;
  /** Longest time an upgrade request may take to become a WebSocket (ms). */
  readonly upgradeTimeoutMs: number;
  /** Whether `drain()` was called: upgrades are refused with 503 from then on. */
  readonly draining: boolean;

  /**
   * Drains the gate, for a graceful shutdown (the adapters call it when the app closes): from
   * now on upgrades are refused with 503 `SERVICE_UNAVAILABLE`; open connections are served for
   * `drain.delayMs`, then closed with 1012 (service restart: clients reconnect, with a fresh
   * ticket, to another instance); those still open `drain.timeoutMs` later are dropped.
   * Resolves when it is over (early once no connection is left). Idempotent.
   */
  drain(): Promise<DrainResult>;
  /**
   * While the gate drains: the HTTP answer (503 `SERVICE_UNAVAILABLE`) to an upgrade request,
   * with its audit event, for adapters that answer upgrades before routing them; `undefined`
   * while the gate serves.
   */
  drainRefusal(request: HandshakeRequest): RefusalAnswer | undefined;

  /**
   * Reads a handshake's syntax and ticket as it arrives, for adapters that redact the request
   * before authorizing it (pass the result as `authorizeUpgrade(request, { inspection })`).
   */
  inspectHandshake(
    request: HandshakeRequest,
    options?: Pick<AuthorizeOptions, 'websocket'>,
  ): HandshakeInspection;
  /**
   * What adapters call on every upgrade request: the handshake authorizer (syntax, address,
   * transport, Origin, brute-force limit, ticket, session), then the connection caps. On
   * acceptance, admit the socket once it exists (or `reservation.release()`). Never rejects.
   */
  authorizeUpgrade(request: HandshakeRequest, options?: AuthorizeOptions): Promise<UpgradeResult<TClaims>>;
  /**
   * What adapters call on every later request of a session a ticket opened (Engine.IO
   * long-polling and its upgrade): address, transport and Origin as for a handshake, then the
   * session's binding to the address (and Origin) that redeemed the ticket. See
   * {@link HandshakeAuthorizer.authorizeSessionRequest}.
   */
  authorizeSessionRequest(
    request: HandshakeRequest,
    binding: SessionBinding | undefined,
    options?: Pick<AuthorizeOptions, 'websocket'>,
  ): SessionRequestAcceptance | HandshakeRefusal;
  /**
   * Admits an accepted connection: registry (revocation, caps), supervision, audit events
   * (reported to `report`). The adapter calls `closed(code)` when it closes. A connection
   * admitted while a drain is closing every socket is closed (1012) before this returns: listen
   * for its close first if the transport reports it at once.
   */
  admit(
    acceptance: UpgradeAcceptance<TClaims>,
    connection: GatedConnection,
    report: (event: AuditEvent) => void,
  ): AdmittedConnection<TClaims>;
  /** {@link WsGate.admit} for a `ws` WebSocket: heartbeat and close events wired. */
  admitWebSocket(
    acceptance: UpgradeAcceptance<TClaims>,
    socket: AdmittableWebSocket,
    report: (event: AuditEvent) => void,
  ): AdmittedConnection<TClaims>;
  /**
   * Everything an adapter does with an accepted `ws` socket: admission, then (with a router)
   * every frame routed, replies sent through the send-buffer cap.
   */
  openWebSocket<Ctx>(
    acceptance: UpgradeAcceptance<TClaims>,
    socket: ServedWebSocket,
    options: OpenWebSocketOptions<Ctx, TClaims>,
  ): AdmittedConnection<TClaims>;
  /** The subprotocol to select for an upgrade (`ws`'s `handleProtocols`). */
  selectSubprotocol(offered: Iterable<string>, accepted: string | undefined): string | false;
  /** `ws` server options with @wsgate's limits (`maxPayload` = message limit, fragments, pongs, no compression). */
  wsServerOptions<O extends object>(user?: O): WsServerOptions & O;
  /**
   * A message router over this gate's limits and audit events, from routes or from message
   * definitions (`{ schema, roles?, claims?, handler }`, compiled once; a bad definition throws
   * `WsGateConfigError` naming the message).
   */
  createRouter<Ctx>(
    routes: Readonly<Record<string, MessageRoute<unknown, Ctx>>> | MessageDefinitions<Ctx>,
    codec: EnvelopeCodec,
  ): MessageRouter<Ctx>;
  /**
   * The whole answer to a ticket request (the ready-made ticket routes of every adapter):
   * Origin and transport (403), `authenticate` (401), rate limit per session (429), issue (200,
   * or 503 when the store is down); always `Cache-Control: no-store`. `limiters` are an adapter's
   * framework-backed limits: per session (instead of the gate's), per address (before
   * `authenticate`).
   */
  answerTicketRequest(
    request: HandshakeRequest,
    authenticate: TicketRequestAuthenticator<TClaims>,
    limiters?: TicketRequestLimiters,
  ): Promise<TicketAnswer>;
  /**
   * The answer to a ticket request the framework refused before the flow (a body the route does
   * not take, a framework limit): its 4xx with the code of `errorCodeForStatus`, else 500.
   */
  answerFailedTicketRequest(statusCode: number | undefined, cause: unknown): TicketAnswer;
  /**
   * How to answer a refused upgrade, with its audit event: in HTTP (the `http` refusal mode, and
   * always a handshake `ws` itself would refuse: 400, 405), or with a socket opened and closed at
   * once (`close-frame` mode). `mode` overrides the gate's for this answer (Socket.IO answers in
   * HTTP whatever the gate's mode: its client cannot read a close code before it connects).
   */
  answerRefusal(refusal: HandshakeRefusal, mode?: RefusalMode): RefusalAnswer;
  /** The transport and Origin checks of a ticket request, alone. */
  precheckTicketRequest(request: HandshakeRequest): TicketRequestPrecheck;
  /**
   * Issues a ticket for an authenticated HTTP request (your own ticket route): refuses a
   * foreign Origin (403, no ticket issued), binds the ticket to the client address resolved
   * through trusted proxies and to the request's Origin. Rejects with a `WsGateError` (503) when
   * the store is down.
   */
  issueForRequest(request: HandshakeRequest, subject: TicketSubject<TClaims>): Promise<IssueForRequestResult>;
}

/** Routes as they are, or compiled from message definitions (they have `schema` and `handler`). */
function asRoutes<Ctx>(
  routes: Readonly<Record<string, MessageRoute<unknown, Ctx>>> | MessageDefinitions<Ctx>,
): Readonly<Record<string, MessageRoute<unknown, Ctx>>> {
  const isDefinition = (entry: unknown) =>
    entry === null || typeof entry !== 'object' || 'handler' in entry || 'schema' in entry;
  return Object.values(routes).some(isDefinition)
    ? compileMessageDefinitions(routes as MessageDefinitions<Ctx>)
    : (routes as Readonly<Record<string, MessageRoute<unknown, Ctx>>>);
}

function isOriginPolicy(value: unknown): value is OriginPolicy {
  return value !== null && typeof value === 'object' && typeof (value as OriginPolicy).check === 'function';
}

function isTransportPolicy(value: unknown): value is TransportPolicy {
  return (
    value !== null && typeof value === 'object' && typeof (value as TransportPolicy).clientIp === 'function'
  );
}

function resolveTicketLimiter(options: TicketRequestOptions | undefined): RequestRateLimiter | undefined {
  const resolved = optionsObject('ticketRequests', options);
  if (resolved.limiter !== undefined) {
    if (resolved.limiter === null || typeof resolved.limiter.consume !== 'function')
      throw new WsGateConfigError('ticketRequests.limiter must have consume(key)');
    return resolved.limiter;
  }
  if (resolved.rateLimit === false) return undefined;
  const rateLimit = optionsObject('ticketRequests.rateLimit', resolved.rateLimit);
  const defaults = DEFAULTS.ticketRoute;
  return createMemoryRateLimiter({
    max: positiveInteger('ticketRequests.rateLimit.max', rateLimit.max, defaults.perSessionMax),
    windowMs: positiveInteger('ticketRequests.rateLimit.windowMs', rateLimit.windowMs, defaults.windowMs),
  });
}

/**
 * Reads, defaults and validates @wsgate options once, and builds every service adapters use.
 * Throws `WsGateConfigError` on a bad option, so a misconfigured app fails at start-up.
 *
 * @example
 * const gate = createWsGate({ origins: { allow: ['https://app.example.com'] } });
 */
export function createWsGate<TClaims extends TicketClaims = TicketClaims>(
  options: WsGateOptions<TClaims>,
): WsGate<TClaims> {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('@wsgate options are required');
  if (options.origins === undefined)
    throw new WsGateConfigError('origins is required: list the origins allowed to connect');
  const refusal = oneOf('refusal', options.refusal, ['http', 'close-frame'] as const, 'http');
  const upgradeTimeoutMs = positiveInteger(
    'upgradeTimeoutMs',
    options.upgradeTimeoutMs,
    DEFAULTS.upgradeTimeoutMs,
  );
  const { meter } = options;
  if (meter !== undefined && (meter === null || typeof meter.createCounter !== 'function'))
    throw new WsGateConfigError('meter must be an OpenTelemetry Meter (createCounter, createHistogram, ...)');
  const tickets = isTicketService<TClaims>(options.tickets)
    ? options.tickets
    : createTicketService<TClaims>({ meter, ...optionsObject('tickets', options.tickets) });
  const origins = isOriginPolicy(options.origins) ? options.origins : createOriginPolicy(options.origins);
  const transport = isTransportPolicy(options.transport)
    ? options.transport
    : createTransportPolicy(options.transport ?? {});
  const { isSessionActive } = options;
  if (isSessionActive !== undefined && typeof isSessionActive !== 'function')
    throw new WsGateConfigError('isSessionActive must be a function');
  const authorizer = createHandshakeAuthorizer<TClaims>({
    tickets,
    origins,
    transport,
    ticketSources: options.ticketSources,
    queryParam: options.queryParam,
    isSessionActive:
      isSessionActive === undefined
        ? undefined
        : async (principal) => (await isSessionActive(principal)) !== false,
    bruteForce: options.bruteForce,
  });
  const queryParam = options.queryParam ?? DEFAULTS.queryParam;
  const adapter = nonEmptyString('adapter', options.adapter, 'core');
  const metrics = createGateMetrics(meter, { adapter, openConnections: () => registry.size });
  const registry = createConnectionRegistry<ClosableConnection>({ onRevoke: metrics.revoked });
  const connectionLimits = resolveConnectionLimits(options.connections);
  const slots = createConnectionSlots(connectionLimits, registry);
  // The ticket store takes the connection slot with the ticket when it counts in the same store.
  const foldsSlots = tickets.slotStore !== undefined && tickets.slotStore === connectionLimits.store;
  const drainer = createDrainer(resolveDrainOptions(options.drain), registry);
  const supervisor = createConnectionSupervisor(options.supervision);
  const audit = createAuditEvents(optionsObject('audit', options.audit), metrics);
  const messageLimits = resolveFrameLimits(options.messages);
  const ticketRequests = createTicketRequests<TClaims>({
    tickets,
    origins,
    transport,
    limiter: resolveTicketLimiter(options.ticketRequests),
    audit,
    metrics,
  });
  const admission = { supervisor, audit, isSessionActive, drainPhase: () => drainer.phase };

  function refuse(
    code: 'TOO_MANY_CONNECTIONS' | 'SERVICE_UNAVAILABLE',
    reason: HandshakeRefusal['reason'],
    clientIp: string | undefined,
  ): HandshakeRefusal {
    const { status, closeCode } = HANDSHAKE_REFUSALS[code];
    return { ok: false, status, closeCode, code, reason, clientIp };
  }

  /** The refusal of an upgrade while the gate drains. */
  function drainingRefusal(request: HandshakeRequest): HandshakeRefusal {
    let clientIp: string | undefined;
    try {
      clientIp = transport.clientIp(request);
    } catch {
      clientIp = undefined;
    }
    return refuse('SERVICE_UNAVAILABLE', 'draining', clientIp);
  }

  async function authorizeUpgrade(
    request: HandshakeRequest,
    authorizeOptions?: AuthorizeOptions,
  ): Promise<UpgradeResult<TClaims>> {
    // Draining: refused before the ticket is looked at (it stays valid for another instance).
    if (drainer.phase !== 'serving') return drainingRefusal(request);
    const result = await authorizer.authorize(
      request,
      foldsSlots ? { ...authorizeOptions, slotLimits: connectionLimits } : authorizeOptions,
    );
    if (!result.ok) return result;
    if (result.slot !== undefined) {
      if (!result.slot.ok) return refuse('TOO_MANY_CONNECTIONS', result.slot.reason, result.clientIp);
      return { ...result, reservation: slots.adopt(result.principal, result.clientIp) };
    }
    let reserved;
    try {
      const reserving = slots.reserve(result.principal, result.clientIp);
      reserved = isThenable(reserving) ? await reserving : reserving;
    } catch (error) {
      return refuse(
        'SERVICE_UNAVAILABLE',
        error instanceof WsGateError ? 'store_unavailable' : 'internal_error',
        result.clientIp,
      );
    }
    if (reserved.ok) return { ...result, reservation: reserved.reservation };
    return refuse('TOO_MANY_CONNECTIONS', reserved.reason, result.clientIp);
  }

  const answerRefusal = (refused: HandshakeRefusal, mode: RefusalMode = refusal): RefusalAnswer =>
    refusalAnswer(
      refused,
      mode === 'http' || refused.status === 400 || refused.status === 405,
      audit.upgradeRefused(refused),
    );

  const gate: WsGate<TClaims> = {
    tickets,
    origins,
    transport,
    authorizer,
    registry,
    supervisor,
    audit,
    messageLimits,
    refusal,
    queryParam,
    upgradeTimeoutMs,
    get draining() {
      return drainer.phase !== 'serving';
    },
    drain: () => drainer.drain(),
    drainRefusal(request) {
      if (drainer.phase === 'serving') return undefined;
      const refused = drainingRefusal(request);
      return refusalAnswer(refused, true, audit.upgradeRefused(refused));
    },
    inspectHandshake: (request, inspectOptions) => authorizer.inspect(request, inspectOptions),
    authorizeUpgrade,
    admit: (acceptance, connection, report) => admitConnection(admission, acceptance, connection, report),
    admitWebSocket: (acceptance, socket, report) => admitWebSocket(admission, acceptance, socket, report),
    openWebSocket: (acceptance, socket, openOptions) =>
      openWebSocket(admission, acceptance, socket, openOptions),
    selectSubprotocol,
    wsServerOptions: (user) => resolveWsServerOptions(user, messageLimits.maxBytes),
    createRouter: (routes, codec) =>
      createMessageRouter({ routes: asRoutes(routes), codec, frames: messageLimits, audit }),
    answerTicketRequest: (request, authenticate, limiters) =>
      ticketRequests.answer(request, authenticate, limiters),
    answerFailedTicketRequest: (statusCode, cause) => ticketRequests.failed(statusCode, cause),
    authorizeSessionRequest: (request, binding, sessionOptions) =>
      authorizer.authorizeSessionRequest(request, binding, sessionOptions),
    answerRefusal,
    precheckTicketRequest: (request) => ticketRequests.precheck(request),
    issueForRequest: (request, subject) => ticketRequests.issueFor(request, subject),
  };
  return Object.freeze(gate);
}
