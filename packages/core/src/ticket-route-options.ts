import { DEFAULTS } from './defaults.js';
import { WsGateConfigError } from './errors.js';
import { nonEmptyString, optionsObject, positiveInteger, requiredFunction } from './option-checks.js';

/** A rate limit of the ready-made ticket route: `max` requests per `windowMs`. */
export interface TicketRouteLimit {
  /** Requests per window. */
  readonly max: number;
  /** Window length, ms. */
  readonly windowMs: number;
}

/** The ready-made ticket route of an adapter, as the app configures it. */
export interface TicketRouteSettings<A> {
  /** Route path (`POST`). @default '/ws-ticket' */
  path?: string;
  /**
   * Authenticates the HTTP request with the app's own means (session cookie, bearer token...)
   * and returns whom to issue the ticket to, or `null`/`undefined` for 401. May be async; a
   * rejection answers 500 (503 when it is a `WsGateError` with status 503: a store that is down).
   */
  authenticate: A;
  /**
   * Tickets per session (per subject without one), counted after `authenticate` (429
   * `RATE_LIMITED` with `Retry-After`), or `false`. @default { max: 30, windowMs: 60_000 }
   */
  perSession?: Partial<TicketRouteLimit> | false;
  /**
   * A guard against unauthenticated floods, per client address, in front of `authenticate`
   * (429 `RATE_LIMITED`), or `false`. @default { max: 300, windowMs: 60_000 }
   */
  perAddress?: Partial<TicketRouteLimit> | false;
}

/** {@link TicketRouteSettings}, resolved and frozen. */
export interface ResolvedTicketRoute<A> {
  readonly path: string;
  readonly authenticate: A;
  readonly perSession: TicketRouteLimit | false;
  readonly perAddress: TicketRouteLimit | false;
}

const ROUTE_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$/;

function limit(
  name: string,
  value: Partial<TicketRouteLimit> | false | undefined,
  fallback: TicketRouteLimit,
): TicketRouteLimit | false {
  if (value === false) return false;
  const given = optionsObject(name, value);
  return Object.freeze({
    max: positiveInteger(`${name}.max`, given.max, fallback.max),
    windowMs: positiveInteger(`${name}.windowMs`, given.windowMs, fallback.windowMs),
  });
}

/** Options of version 1's ticket routes and what replaced them. */
const REPLACED_OPTIONS: Readonly<Record<string, string>> = {
  throttle: 'perSession', // @wsgate/nestjs 1: { limit, ttl }
  rateLimit: 'perSession and ticketRoute.perAddress', // @wsgate/fastify 1: @fastify/rate-limit's { max, timeWindow }
};

/**
 * Reads, defaults and validates the ticket route settings of any adapter, once. Throws
 * `WsGateConfigError` naming the bad option.
 */
export function resolveTicketRoute<A extends (...args: never[]) => unknown>(
  settings: TicketRouteSettings<A>,
): ResolvedTicketRoute<A> {
  const given = optionsObject('ticketRoute', settings);
  // Version 1's names: refused, so that an app that still passes them is not left on the defaults.
  for (const [replaced, now] of Object.entries(REPLACED_OPTIONS))
    if (replaced in given)
      throw new WsGateConfigError(
        `ticketRoute.${replaced} is gone: use ticketRoute.${now} ({ max, windowMs })`,
      );
  const defaults = DEFAULTS.ticketRoute;
  const path = nonEmptyString('ticketRoute.path', given.path, defaults.path);
  if (!ROUTE_PATH.test(path))
    throw new WsGateConfigError("ticketRoute.path must be an absolute route path such as '/ws-ticket'");
  return Object.freeze({
    path,
    authenticate: requiredFunction<A>('ticketRoute.authenticate', given.authenticate),
    perSession: limit('ticketRoute.perSession', given.perSession, {
      max: defaults.perSessionMax,
      windowMs: defaults.windowMs,
    }),
    perAddress: limit('ticketRoute.perAddress', given.perAddress, {
      max: defaults.perAddressMax,
      windowMs: defaults.windowMs,
    }),
  });
}
