import { typeEnvelope, WsGateConfigError, type MessageRouter, type WsGate } from '@wsgate/core';
import { FST_WSGATE_INVALID_MESSAGES, FST_WSGATE_NO_MESSAGES } from './errors.js';
import type { WsGateClaims, WsGateMessageContext, WsGateRouteConfig } from './types.js';

/** The router of a WebSocket route's frames, or `undefined` for a route that reads raw frames itself. */
export type RouteRouter = MessageRouter<WsGateMessageContext> | undefined;

/**
 * Compiles a WebSocket route's `config.wsgate` when the route is registered (each schema once,
 * type envelope) into the router of its frames, or `undefined` for a route that reads raw frames
 * itself (`raw: true`). A route that declares neither messages nor `raw: true` is refused here,
 * naming the route (fail closed).
 */
export function compileRouteRouter(
  gate: WsGate<WsGateClaims>,
  url: string,
  config: WsGateRouteConfig | undefined,
): RouteRouter {
  if (config?.raw === true && config.messages !== undefined)
    throw new FST_WSGATE_INVALID_MESSAGES(url, 'declare either messages or raw: true, not both');
  if (config?.raw === true) return undefined;
  if (config?.messages === undefined) throw new FST_WSGATE_NO_MESSAGES(url);
  try {
    return gate.createRouter(config.messages, typeEnvelope);
  } catch (error) {
    if (error instanceof WsGateConfigError) throw new FST_WSGATE_INVALID_MESSAGES(url, error.message);
    throw error;
  }
}
