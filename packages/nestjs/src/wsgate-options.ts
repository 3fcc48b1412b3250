import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import {
  createMessageGuard,
  createWsGate,
  MemoryTicketStore,
  WsGateConfigError,
  type MessageGuardOptions,
  type MessageSchemas,
  type TicketClaims,
  type TicketService as CoreTicketService,
  type TicketServiceOptions,
  type TicketStore,
  type Validator,
  type WsGateOptions,
} from '@wsgate/core';
import type { WsGate } from './tokens.js';

/** Who the ready-made ticket route issues a ticket to, as returned by `authenticate`. */
export interface TicketSubject<TClaims extends TicketClaims = TicketClaims> {
  /** The authenticated user (id). Required, non-empty. */
  subject: string;
  /**
   * The user's session: its sockets close on `WsGateService.revokeSession(sessionId)`, and the
   * route's rate limit counts per session (per subject without one).
   */
  sessionId?: string | undefined;
  /** Claims the WebSocket handlers see (`roles` is read by `@Roles`). */
  claims?: TClaims | undefined;
}

/** Rate limit of the ready-made ticket route, counted with `@nestjs/throttler`'s storage. */
export interface TicketRouteThrottle {
  /** Tickets per window and session. @default 30 */
  limit?: number;
  /** Window length in ms. @default 60_000 */
  ttl?: number;
}

/**
 * The optional ready-made `POST` ticket route. Behaves like the Fastify one: a foreign
 * Origin gets 403 `{"error":"ORIGIN_NOT_ALLOWED"}`, an unauthenticated request 401
 * `{"error":"UNAUTHENTICATED"}`, a session past its rate limit 429 `{"error":"RATE_LIMITED"}`,
 * otherwise 200 `{"ticket","expiresAt"}`; every answer carries `Cache-Control: no-store`.
 *
 * @example
 * ticketRoute: { path: '/ws-ticket', authenticate: (req: Request) => sessions.subjectOf(req) }
 */
export interface WsGateTicketRouteOptions<TRequest = unknown, TClaims extends TicketClaims = TicketClaims> {
  /** Route path. @default '/ws-ticket' */
  path?: string;
  /**
   * Authenticates the HTTP request (the platform's own request object: Express `Request` or
   * Fastify `FastifyRequest`) and returns whom to issue the ticket to, or `null`/`undefined`
   * for 401. Rejections answer 500.
   */
  authenticate(
    request: TRequest,
  ): TicketSubject<TClaims> | null | undefined | Promise<TicketSubject<TClaims> | null | undefined>;
  /** Rate limit per session, or `false` to disable. @default { limit: 30, ttl: 60_000 } */
  throttle?: TicketRouteThrottle | false;
}

/**
 * Message guard settings for gateways served by `WsGateAdapter`. Messages are routed by their
 * `type` to `@SubscribeMessage(type)` handlers; `schemas` is optional (validate with DTOs and
 * `WsValidationPipe` instead), and a schema given for a type is checked before its handler runs.
 */
export interface WsGateMessageOptions extends Omit<MessageGuardOptions<MessageSchemas>, 'schemas'> {
  /** Core validators by message type, checked before Nest's dispatch. @default {} */
  schemas?: MessageSchemas;
}

/**
 * Options of `WsGateModule.forRoot`: the core `WsGateOptions` (tickets, origins, transport,
 * message guard, refusal mode) plus the Nest-specific ones. Validated once, at start-up: a bad
 * option fails the boot with a `WsGateConfigError` (`WSGATE_INVALID_OPTION`).
 *
 * @example
 * WsGateModule.forRoot({ origins: { allow: ['https://app.example.com'] }, tickets: { ttlMs: 30_000 } })
 */
export interface WsGateModuleOptions<
  TClaims extends TicketClaims = TicketClaims,
  TRequest = unknown,
> extends Omit<WsGateOptions<TClaims>, 'messages'> {
  /** Message guard settings (size, rate, depth, optional core schemas). @default {} */
  messages?: WsGateMessageOptions;
  /** Registers the ready-made ticket route. @default undefined (no route) */
  ticketRoute?: WsGateTicketRouteOptions<TRequest, TClaims>;
}

/** A dependency of the `forRootAsync` factory, as in Nest's `FactoryProvider.inject`. */
export type WsGateFactoryDependency = NonNullable<FactoryProvider['inject']>[number];

/**
 * Options of `WsGateModule.forRootAsync`.
 *
 * @example
 * WsGateModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ origins: { allow: config.get('ORIGINS') } }),
 * })
 */
export interface WsGateModuleAsyncOptions<
  TClaims extends TicketClaims = TicketClaims,
  TRequest = unknown,
> extends Pick<ModuleMetadata, 'imports'> {
  /** Builds the options; may be async. Receives the `inject`ed providers in order. */
  useFactory: (
    ...args: never[]
  ) => WsGateModuleOptions<TClaims, TRequest> | Promise<WsGateModuleOptions<TClaims, TRequest>>;
  /** Providers handed to `useFactory`. @default [] */
  inject?: WsGateFactoryDependency[];
  /**
   * Registers the ready-made ticket route. A route must be known before the factory runs, so
   * its path is given here; the factory's options must then include `ticketRoute.authenticate`.
   * @default undefined (no route)
   */
  ticketRoute?: { path?: string };
}

/** @internal Message guard settings resolved for the adapter. */
export interface ResolvedMessageOptions {
  readonly guardOptions: Readonly<Omit<MessageGuardOptions<MessageSchemas>, 'schemas'>>;
  readonly schemas: MessageSchemas;
  readonly maxBytes: number;
}

/** @internal The ready-made ticket route, resolved. */
export interface ResolvedTicketRoute {
  readonly path: string;
  readonly authenticate: (
    request: unknown,
  ) => TicketSubject | null | undefined | Promise<TicketSubject | null | undefined>;
  readonly throttle: { readonly limit: number; readonly ttl: number } | false;
}

/** @internal Everything the module, services and adapter read: resolved once, frozen. */
export interface WsGateModuleConfig {
  readonly gate: WsGate;
  readonly messages: ResolvedMessageOptions;
  readonly ticketRoute: ResolvedTicketRoute | undefined;
}

/** @internal Default path of the ready-made ticket route. */
export const DEFAULT_TICKET_ROUTE_PATH = '/ws-ticket';

/** A validator that admits any message: routing by `type` only, validation left to Nest pipes. */
export const PERMISSIVE_VALIDATOR: Validator<unknown> = Object.freeze({
  validate: (value: unknown) => ({ ok: true as const, value }),
});

const PROBE_SCHEMAS: MessageSchemas = Object.freeze({ 'wsgate:probe': PERMISSIVE_VALIDATOR });
const ROUTE_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

function isTicketService(value: unknown): value is CoreTicketService {
  return (
    value !== null && typeof value === 'object' && typeof (value as CoreTicketService).redeem === 'function'
  );
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 1)
    throw new WsGateConfigError(`${name} must be a positive integer`);
  return resolved;
}

/** @internal Normalises a ticket route path and checks it is an absolute route path. */
export function resolveTicketRoutePath(path: string | undefined): string {
  const resolved = path ?? DEFAULT_TICKET_ROUTE_PATH;
  if (typeof resolved !== 'string' || resolved.length > 256 || !ROUTE_PATH.test(resolved)) {
    throw new WsGateConfigError(`ticketRoute.path must be an absolute route path such as '/ws-ticket'`);
  }
  return resolved;
}

function resolveTicketRoute(
  route: WsGateTicketRouteOptions<never, TicketClaims> | undefined,
  declaredPath: string | undefined,
): ResolvedTicketRoute | undefined {
  if (route === undefined) {
    if (declaredPath !== undefined) {
      throw new WsGateConfigError(
        'forRootAsync declares a ticketRoute: the factory options need ticketRoute.authenticate',
      );
    }
    return undefined;
  }
  if (route === null || typeof route !== 'object' || typeof route.authenticate !== 'function') {
    throw new WsGateConfigError('ticketRoute.authenticate must be a function of the HTTP request');
  }
  if (declaredPath === undefined) {
    throw new WsGateConfigError(
      'the factory returned a ticketRoute: declare it in forRootAsync({ ticketRoute: { path } }) too',
    );
  }
  const path = resolveTicketRoutePath(route.path ?? declaredPath);
  if (path !== declaredPath) {
    throw new WsGateConfigError(
      `ticketRoute.path '${path}' differs from the path '${declaredPath}' declared in forRootAsync`,
    );
  }
  const throttleOption = route.throttle ?? {};
  if (throttleOption !== false && (throttleOption === null || typeof throttleOption !== 'object')) {
    throw new WsGateConfigError('ticketRoute.throttle must be { limit, ttl } or false');
  }
  const throttle =
    throttleOption === false
      ? false
      : Object.freeze({
          limit: positiveInteger('ticketRoute.throttle.limit', throttleOption.limit, 30),
          ttl: positiveInteger('ticketRoute.throttle.ttl', throttleOption.ttl, 60_000),
        });
  const authenticate = route.authenticate.bind(route) as ResolvedTicketRoute['authenticate'];
  return Object.freeze({ path, authenticate, throttle });
}

function resolveMessages(messages: WsGateMessageOptions | undefined): ResolvedMessageOptions {
  if (messages !== undefined && (messages === null || typeof messages !== 'object')) {
    throw new WsGateConfigError('messages must be an object');
  }
  const { schemas, ...guardOptions } = messages ?? {};
  // Compiling a guard once validates maxBytes, rateLimit, maxDepth and any schemas now, at start-up.
  const probe = createMessageGuard({ ...guardOptions, schemas: schemas ?? PROBE_SCHEMAS });
  return Object.freeze({
    guardOptions: Object.freeze({ ...guardOptions }),
    schemas: Object.freeze({ ...(schemas ?? {}) }),
    maxBytes: probe.maxBytes,
  });
}

/**
 * @internal Reads, defaults and validates the module options once and builds the core gate.
 * `declaredRoutePath` is the ticket route registered by `forRoot`/`forRootAsync` (if any).
 * Throws `WsGateConfigError` on any bad option.
 */
export function resolveWsGateModuleOptions(
  options: WsGateModuleOptions<TicketClaims, never>,
  store: TicketStore | null,
  declaredRoutePath: string | undefined,
): WsGateModuleConfig {
  if (options === null || typeof options !== 'object')
    throw new WsGateConfigError('WsGateModule options are required');
  const { messages, ticketRoute, tickets, ...gateOptions } = options;
  if (tickets !== undefined && (tickets === null || typeof tickets !== 'object')) {
    throw new WsGateConfigError('tickets must be a ticket service or ticket service options');
  }
  const ticketService = isTicketService(tickets) ? tickets : undefined;
  const ticketOptions: TicketServiceOptions | undefined =
    ticketService === undefined ? (tickets as TicketServiceOptions | undefined) : undefined;
  const resolvedTickets: CoreTicketService<TicketClaims> | TicketServiceOptions = ticketService ?? {
    ...ticketOptions,
    ...(store === null ? {} : { store }),
  };
  const gate = createWsGate<TicketClaims>({ ...gateOptions, tickets: resolvedTickets });
  return Object.freeze({
    gate,
    messages: resolveMessages(messages),
    ticketRoute: resolveTicketRoute(ticketRoute, declaredRoutePath),
  });
}

/**
 * @internal The store the module's ticket service uses: `tickets.store`, else a new
 * `MemoryTicketStore` on the tickets' clock; `null` when `tickets` is a ready ticket service.
 */
export function ticketStoreFromOptions(
  options: WsGateModuleOptions<TicketClaims, never>,
): TicketStore | null {
  if (options !== null && typeof options === 'object' && isTicketService(options.tickets)) return null;
  const ticketOptions =
    options !== null &&
    typeof options === 'object' &&
    options.tickets !== null &&
    typeof options.tickets === 'object'
      ? (options.tickets as TicketServiceOptions)
      : undefined;
  return (
    ticketOptions?.store ??
    new MemoryTicketStore(ticketOptions?.clock === undefined ? {} : { clock: ticketOptions.clock })
  );
}
