import { wsgateFastify } from './plugin.js';

export { wsgateFastify };
export default wsgateFastify;
export {
  FST_WSGATE_INVALID_OPTION,
  FST_WSGATE_NO_MESSAGE_GUARD,
  FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED,
} from './errors.js';
export {
  createFrameSender,
  dispatchMessages,
  sendFrame,
  type FrameSender,
  type MessageHandlers,
} from './message-dispatcher.js';
export type {
  ResolvedTicketRoute,
  TicketRouteOptions,
  TicketSubject,
  WsGatePluginConfig,
  WsGatePluginOptions,
} from './options.js';
export type { WsGateClaims, WsGateDecorator, WsGateRequestContext } from './types.js';
