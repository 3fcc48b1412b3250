import { typeEnvelope, WsGateConfigError, type MessageRouter, type WsGate } from '@wsgate/core';
import { FST_WSGATE_INVALID_MESSAGES, FST_WSGATE_NO_MESSAGES } from './errors.js';
import type { WsGateClaims, WsGateMessageContext, WsGateRouteConfig } from './types.js';

/** How a WebSocket route reads its frames: through a router, or raw (the route's own listeners). */
export type RouteMessaging =
  | { readonly kind: 'routed'; readonly router: MessageRouter<WsGateMessageContext> }
  | { readonly kind: 'raw' };

/**
 * Compiles a WebSocket route's `config.wsgate` when the route is registered (each schema once,
 * type envelope). A route that declares neither messages nor `raw: true` is refused here, naming
 * the route (fail closed).
 */
export function compileRouteMessaging(
  gate: WsGate<WsGateClaims>,
  url: string,
  config: WsGateRouteConfig | undefined,
): RouteMessaging {
  if (config?.raw === true && config.messages !== undefined)
    throw new FST_WSGATE_INVALID_MESSAGES(url, 'declare either messages or raw: true, not both');
  if (config?.raw === true) return { kind: 'raw' };
  if (config?.messages === undefined) throw new FST_WSGATE_NO_MESSAGES(url);
  try {
    return { kind: 'routed', router: gate.createRouter(config.messages, typeEnvelope) };
  } catch (error) {
    if (error instanceof WsGateConfigError) throw new FST_WSGATE_INVALID_MESSAGES(url, error.message);
    throw error;
  }
}
