import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import {
  createWsGate,
  eventEnvelope,
  isTicketService,
  oneOf,
  optionsObject,
  resolveTicketRoute,
  ticketStoreOf,
  typeEnvelope,
  WsGateConfigError,
  type EnvelopeCodec,
  type RequestRateLimiter,
  type ResolvedTicketRoute,
  type TicketClaims,
  type TicketRouteLimit,
  type TicketRouteSettings,
  type TicketServiceOptions,
  type TicketStore,
  type TicketSubject,
  type WsGateOptions,
} from '@wsgate/core';
import type { WsGate } from './tokens.js';

/**
 * Authenticates a ticket request with the app's own means; receives the platform's request
 * (Express `Request` or Fastify `FastifyRequest`). Return whom to issue to, or `null`/`undefined`
 * for 401.
 */
export type TicketRouteAuthenticator<TRequest = unknown, TClaims extends TicketClaims = TicketClaims> = (
  request: TRequest,
) => TicketSubject<TClaims> | null | undefined | Promise<TicketSubject<TClaims> | null | undefined>;

/** The ready-made ticket route's settings (core's `TicketRouteSettings`) for a Nest platform's request. */
export type WsGateTicketRouteOptions<
  TRequest = unknown,
  TClaims extends TicketClaims = TicketClaims,
> = TicketRouteSettings<TicketRouteAuthenticator<TRequest, TClaims>>;

/**
 * How messages are wrapped on the wire: NestJS's own `{ "event": "chat", "data": { ... } }`
 * (`'event'`, the default: a client of Nest's `WsAdapter` needs no change) or
 * `{ "type": "chat", ... }` (`'type'`, the whole message is the body). Errors follow the same
 * envelope: `{ "event": "exception", "data": { code, message, issues? } }` or
 * `{ "type": "error", code, message, issues? }`.
 */
export type WsGateEnvelope = 'event' | 'type';

/**
 * Options of `WsGateModule.forRoot`: the core `WsGateOptions` (tickets, origins, transport,
 * message limits, refusal mode, ...) plus the Nest-specific ones. Validated once, at start-up: a
 * bad option fails the boot with a `WsGateConfigError` (`WSGATE_INVALID_OPTION`).
 *
 * @example
 * WsGateModule.forRoot({ origins: { allow: ['https://app.example.com'] }, tickets: { ttlMs: 30_000 } })
 */
export interface WsGateModuleOptions<
  TClaims extends TicketClaims = TicketClaims,
  TRequest = unknown,
> extends Omit<WsGateOptions<TClaims>, 'ticketRequests' | 'adapter'> {
  /** The wire envelope of messages and errors. @default 'event' */
  envelope?: WsGateEnvelope;
  /**
   * The ready-made `POST` ticket route (see core's `TicketRouteSettings` for each field); its
   * rate limits are counted in `@nestjs/throttler`'s storage. @default undefined (no route)
   */
  ticketRoute?: WsGateTicketRouteOptions<TRequest, TClaims>;
}

/** A class that builds the module options (`forRootAsync({ useClass | useExisting })`). */
export interface WsGateOptionsFactory<TClaims extends TicketClaims = TicketClaims, TRequest = unknown> {
  createWsGateOptions():
    WsGateModuleOptions<TClaims, TRequest> | Promise<WsGateModuleOptions<TClaims, TRequest>>;
}

/**
 * Options of `WsGateModule.forRootAsync`: one of `useFactory` (with `inject`), `useClass` or
 * `useExisting`, as in `@nestjs/throttler` and `@nestjs/jwt`.
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
  useFactory?: (
    ...args: never[]
  ) => WsGateModuleOptions<TClaims, TRequest> | Promise<WsGateModuleOptions<TClaims, TRequest>>;
  /** Providers handed to `useFactory`. @default [] */
  inject?: NonNullable<Extract<Provider, { useFactory: unknown }>['inject']>;
  /** A class (instantiated by the module) whose `createWsGateOptions()` builds the options. */
  useClass?: Type<WsGateOptionsFactory<TClaims, TRequest>>;
  /** An existing provider whose `createWsGateOptions()` builds the options. */
  useExisting?: Type<WsGateOptionsFactory<TClaims, TRequest>>;
  /**
   * Registers the ready-made ticket route. A route must be known before the options are built,
   * so its path is given here; the options must then include `ticketRoute.authenticate`.
   * @default undefined (no route)
   */
  ticketRoute?: { path?: string };
}

/** @internal Everything the module, its services and the adapter read: resolved once, frozen. */
export interface WsGateModuleConfig {
  readonly gate: WsGate;
  readonly codec: EnvelopeCodec;
  readonly ticketRoute: ResolvedTicketRoute<TicketRouteAuthenticator> | undefined;
  /** The ticket route's per-address guard, counted in the throttler storage (`undefined`: off). */
  readonly perAddressLimiter: RequestRateLimiter | undefined;
}

const ENVELOPES: Readonly<Record<WsGateEnvelope, EnvelopeCodec>> = {
  event: eventEnvelope,
  type: typeEnvelope,
};

/** @internal The route path of a `forRoot` / `forRootAsync` registration (validated), if any. */
export function declaredRoutePath(route: { path?: string } | undefined): string | undefined {
  return route === undefined
    ? undefined
    : resolveTicketRoute({ path: route.path, authenticate: () => null }).path;
}

/** A `RequestRateLimiter` over `@nestjs/throttler`'s storage for `limit` (none for `false`). */
function throttlerLimiter(
  storage: ThrottlerStorage | undefined,
  limit: TicketRouteLimit | false | undefined,
): RequestRateLimiter | undefined {
  if (storage === undefined || limit === undefined || limit === false) return undefined;
  const { max, windowMs } = limit;
  return {
    async consume(key) {
      const record = await storage.increment(key, windowMs, max, 0, 'wsgate-ticket');
      return record.isBlocked
        ? { allowed: false, retryAfterMs: record.timeToBlockExpire * 1000 }
        : { allowed: true, retryAfterMs: 0 };
    },
  };
}

/**
 * @internal Reads, defaults and validates the module options once and builds the core gate (and,
 * with a ticket route, its per-session and per-address limiters over the throttler storage). `declaredPath` is the
 * route registered by `forRoot`/`forRootAsync`. Throws `WsGateConfigError` on any bad option.
 */
export function resolveWsGateModuleOptions(
  options: WsGateModuleOptions<TicketClaims, never>,
  store: TicketStore | null,
  throttler: ThrottlerStorage | undefined,
  declaredPath: string | undefined,
): WsGateModuleConfig {
  const { envelope, ticketRoute, tickets, ...gateOptions } = optionsObject(
    'WsGateModule options',
    options,
  ) as WsGateModuleOptions<TicketClaims, never>;
  // A route declared in forRootAsync takes its path from there unless the options repeat it.
  const route =
    ticketRoute === undefined ? undefined : resolveTicketRoute({ path: declaredPath, ...ticketRoute });
  if ((route === undefined) !== (declaredPath === undefined))
    throw new WsGateConfigError(
      route === undefined
        ? 'a ticket route is declared: the options need ticketRoute.authenticate'
        : 'the options have a ticketRoute: declare it in forRootAsync({ ticketRoute: { path } }) too',
    );
  if (route !== undefined && route.path !== declaredPath)
    throw new WsGateConfigError(
      `ticketRoute.path '${route.path}' differs from '${declaredPath}' declared in forRootAsync`,
    );
  const limiter = throttlerLimiter(throttler, route?.perSession);
  const resolvedTickets = isTicketService(tickets)
    ? tickets
    : {
        ...optionsObject('tickets', tickets as TicketServiceOptions | undefined),
        ...(store === null ? {} : { store }),
      };
  const gate = createWsGate<TicketClaims>({
    ...gateOptions,
    adapter: 'nestjs',
    tickets: resolvedTickets,
    ticketRequests: limiter === undefined ? { rateLimit: false } : { limiter },
  });
  return Object.freeze({
    gate,
    codec: ENVELOPES[oneOf('envelope', envelope, ['event', 'type'] as const, 'event')],
    ticketRoute: route as ResolvedTicketRoute<TicketRouteAuthenticator> | undefined,
    perAddressLimiter: throttlerLimiter(throttler, route?.perAddress),
  });
}

/**
 * @internal The store the module's ticket service uses: `tickets.store`, else a new
 * `MemoryTicketStore` (on the tickets' clock); `null` when `tickets` is a ready ticket service.
 */
export function ticketStoreFromOptions(
  options: WsGateModuleOptions<TicketClaims, never>,
): TicketStore | null {
  const tickets = options?.tickets;
  return isTicketService(tickets) ? null : ticketStoreOf(tickets as TicketServiceOptions | undefined);
}
