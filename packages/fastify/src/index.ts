export { wsgateFastify, wsgateFastify as default } from './plugin.js';
export { defineMessages } from './define-messages.js';
export {
  FST_WSGATE_INVALID_MESSAGES,
  FST_WSGATE_INVALID_OPTION,
  FST_WSGATE_NO_MESSAGES,
  FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED,
} from './errors.js';
export type {
  TicketRouteAuthenticator,
  TicketRouteOptions,
  WebSocketServerOptions,
  WsGatePluginOptions,
} from './options.js';
export type {
  WsGateClaims,
  WsGateDecorator,
  WsGateMessageContext,
  WsGateMessageDefinition,
  WsGateMessages,
  WsGateRequestContext,
  WsGateRouteConfig,
} from './types.js';
export { MessageRejection, type TicketSubject } from '@wsgate/core';
