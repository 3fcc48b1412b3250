import type { WebsocketPluginOptions } from '@fastify/websocket';
import {
  createWsGate,
  WsGateConfigError,
  type ClosableConnection,
  type MessageSchemas,
  type TicketClaims,
  type WsGate,
  type WsGateOptions,
} from '@wsgate/core';
import type { FastifyRequest } from 'fastify';
import { FST_WSGATE_INVALID_OPTION } from './errors.js';

/** Who the ticket route issues a ticket to; `null`/`undefined` means "not logged in" (401). */
export interface TicketSubject<TClaims extends TicketClaims = TicketClaims> {
  subject: string;
  sessionId?: string | undefined;
  claims?: TClaims | undefined;
}

/** The optional ready-made ticket endpoint. */
export interface TicketRouteOptions<TClaims extends TicketClaims = TicketClaims> {
  /** Route path. @default '/ws-ticket' */
  path?: string;
  /**
   * Authenticates the HTTP request with the app's own means (session cookie, bearer token...).
   * Return the user, or `null`/`undefined` for 401. May be async.
   */
  authenticate(
    request: FastifyRequest,
  ): TicketSubject<TClaims> | null | undefined | Promise<TicketSubject<TClaims> | null | undefined>;
  /**
   * Rate limit of the route (@fastify/rate-limit), or `false`.
   * @default { max: 30, timeWindow: 60_000 } keyed by client address
   */
  rateLimit?: { max: number; timeWindow: number; keyGenerator?: (request: FastifyRequest) => string } | false;
}

/** Options of the @wsgate/fastify plugin. */
export interface WsGatePluginOptions<
  TClaims extends TicketClaims = TicketClaims,
  S extends MessageSchemas = MessageSchemas,
> extends WsGateOptions<TClaims, S> {
  /** The ready-made `POST` ticket route, if wanted. */
  ticketRoute?: TicketRouteOptions<TClaims>;
  /**
   * Extra `ws` server options for @fastify/websocket. `maxPayload` defaults to the message
   * guard's `maxBytes` (16 KiB) and may not exceed it; `perMessageDeflate` defaults to off.
   */
  websocket?: Omit<WebSocketServerOptions, 'noServer' | 'server' | 'handleProtocols'>;
}

/** The resolved ticket route settings. */
export interface ResolvedTicketRoute<TClaims extends TicketClaims = TicketClaims> {
  readonly path: string;
  readonly authenticate: TicketRouteOptions<TClaims>['authenticate'];
  readonly rateLimit:
    { max: number; timeWindow: number; keyGenerator?: (request: FastifyRequest) => string } | false;
}

/** The frozen configuration of one plugin registration. */
export interface WsGatePluginConfig<TClaims extends TicketClaims = TicketClaims> {
  readonly gate: WsGate<TClaims, unknown, ClosableConnection>;
  readonly ticketRoute: ResolvedTicketRoute<TClaims> | undefined;
  readonly websocket: WebSocketServerOptions;
}

/** `ws` server options as @fastify/websocket takes them. */
export type WebSocketServerOptions = NonNullable<WebsocketPluginOptions['options']>;

const DEFAULT_MAX_PAYLOAD = 16_384;

function invalid(message: string): never {
  throw new FST_WSGATE_INVALID_OPTION(message);
}

function resolveTicketRoute<TClaims extends TicketClaims>(
  route: TicketRouteOptions<TClaims> | undefined,
): ResolvedTicketRoute<TClaims> | undefined {
  if (route === undefined) return undefined;
  if (route === null || typeof route !== 'object') invalid('ticketRoute must be an object');
  if (typeof route.authenticate !== 'function') invalid('ticketRoute.authenticate must be a function');
  const path = route.path ?? '/ws-ticket';
  if (typeof path !== 'string' || !path.startsWith('/')) invalid('ticketRoute.path must start with "/"');
  const rateLimit = route.rateLimit ?? { max: 30, timeWindow: 60_000 };
  if (
    rateLimit !== false &&
    (!Number.isInteger(rateLimit.max) || rateLimit.max < 1 || !(rateLimit.timeWindow > 0))
  ) {
    invalid('ticketRoute.rateLimit needs a positive integer max and a positive timeWindow (ms), or false');
  }
  return Object.freeze({ path, authenticate: route.authenticate, rateLimit });
}

/**
 * Reads, defaults and validates the plugin options once (core options through core's
 * `createWsGate`), returning a frozen config. Misconfiguration throws
 * `FST_WSGATE_INVALID_OPTION`.
 */
export function resolvePluginOptions<TClaims extends TicketClaims>(
  options: WsGatePluginOptions<TClaims>,
): WsGatePluginConfig<TClaims> {
  if (options === null || typeof options !== 'object') invalid('options are required');
  let gate: WsGate<TClaims, unknown, ClosableConnection>;
  try {
    gate = createWsGate<TClaims>(options);
  } catch (error) {
    if (error instanceof WsGateConfigError) invalid(error.message);
    throw error;
  }
  const maxBytes = gate.messageGuard?.maxBytes ?? DEFAULT_MAX_PAYLOAD;
  const websocket: WebSocketServerOptions = {
    perMessageDeflate: false,
    // Bound what a peer can make the server hold for one message (ws >= 8.21).
    maxFragments: 128,
    maxBufferedChunks: 1024,
    ...options.websocket,
    maxPayload: options.websocket?.maxPayload ?? maxBytes,
  } as WebSocketServerOptions;
  const { maxPayload } = websocket;
  // ws reads 0 (and anything but a positive integer) as "no limit".
  if (typeof maxPayload !== 'number' || !Number.isInteger(maxPayload) || maxPayload < 1) {
    invalid(`websocket.maxPayload (${String(maxPayload)}) must be a positive integer`);
  }
  if (maxPayload > maxBytes)
    invalid(`websocket.maxPayload (${maxPayload}) exceeds the message guard's maxBytes (${maxBytes})`);
  return Object.freeze({
    gate,
    ticketRoute: resolveTicketRoute(options.ticketRoute),
    websocket: Object.freeze(websocket),
  });
}
