import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { WebsocketPluginOptions } from '@fastify/websocket';
import {
  createWsGate,
  optionsObject,
  resolveTicketRoute,
  WsGateConfigError,
  type ResolvedTicketRoute,
  type TicketRouteSettings,
  type TicketSubject,
  type WsGate,
  type WsGateOptions,
} from '@wsgate/core';
import type { FastifyRequest } from 'fastify';
import { FST_WSGATE_INVALID_OPTION } from './errors.js';
import type { WsGateClaims } from './types.js';

/** `ws` server options as @fastify/websocket takes them. */
export type WebSocketServerOptions = NonNullable<WebsocketPluginOptions['options']>;

/** Authenticates a ticket request: the user, or `null`/`undefined` for 401. */
export type TicketRouteAuthenticator = (
  request: FastifyRequest,
) => TicketSubject<WsGateClaims> | null | undefined | Promise<TicketSubject<WsGateClaims> | null | undefined>;

/** The optional ready-made `POST` ticket route (see core's `TicketRouteSettings` for each field). */
export interface TicketRouteOptions extends TicketRouteSettings<TicketRouteAuthenticator> {
  /**
   * Options of the route's own `@fastify/rate-limit` registration beyond its limits, e.g. a
   * Redis store (`redis`, `nameSpace`) to count across instances. @default {} (in memory)
   */
  rateLimitStore?: Omit<RateLimitPluginOptions, 'global' | 'max' | 'timeWindow' | 'keyGenerator'>;
}

/** Options of the @wsgate/fastify plugin: the core options, the ticket route and `ws` options. */
export interface WsGatePluginOptions extends Omit<WsGateOptions<WsGateClaims>, 'ticketRequests' | 'adapter'> {
  /** The ready-made `POST` ticket route, if wanted. */
  ticketRoute?: TicketRouteOptions;
  /**
   * Extra `ws` server options for @fastify/websocket. @wsgate's limits apply over them:
   * `maxPayload` is the message limit (`messages.maxBytes`, 16 KiB) and may only be lowered;
   * fragments, buffered chunks and unanswered pings are capped; compression is off unless set.
   */
  websocket?: Omit<WebSocketServerOptions, 'noServer' | 'server' | 'handleProtocols'>;
}

/** The frozen configuration of one plugin registration. */
export interface WsGatePluginConfig {
  readonly gate: WsGate<WsGateClaims>;
  readonly ticketRoute:
    (ResolvedTicketRoute<TicketRouteAuthenticator> & Pick<TicketRouteOptions, 'rateLimitStore'>) | undefined;
  readonly websocket: WebSocketServerOptions;
}

/**
 * Reads, defaults and validates the plugin options once, through core (`createWsGate`,
 * `resolveTicketRoute`, `wsServerOptions`), returning a frozen config. Misconfiguration throws
 * `FST_WSGATE_INVALID_OPTION`. The ticket route counts its limits with `@fastify/rate-limit`.
 */
export function resolvePluginOptions(options: WsGatePluginOptions): WsGatePluginConfig {
  try {
    const { ticketRoute, websocket, ...gateOptions } = optionsObject(
      'options',
      options,
    ) as WsGatePluginOptions;
    const gate = createWsGate<WsGateClaims>({
      ...gateOptions,
      adapter: 'fastify',
      ticketRequests: { rateLimit: false },
    });
    const route =
      ticketRoute === undefined
        ? undefined
        : Object.freeze({
            ...resolveTicketRoute(ticketRoute),
            rateLimitStore: optionsObject('ticketRoute.rateLimitStore', ticketRoute.rateLimitStore),
          });
    const wsOptions = gate.wsServerOptions(optionsObject('websocket', websocket)) as WebSocketServerOptions;
    return Object.freeze({ gate, ticketRoute: route, websocket: Object.freeze(wsOptions) });
  } catch (error) {
    if (error instanceof WsGateConfigError) throw new FST_WSGATE_INVALID_OPTION(error.message);
    throw error;
  }
}
