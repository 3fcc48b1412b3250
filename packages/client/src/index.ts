export { connect } from './connect.js';
export { WsGateClientError, type WsGateClientErrorCode } from './errors.js';
export type {
  ConnectOptions,
  FetchLike,
  ReconnectOptions,
  TicketResponseLike,
  TimerFunctions,
  WebSocketConstructorLike,
  WebSocketLike,
} from './options.js';
export { TICKET_SUBPROTOCOL_PREFIX, WSGATE_SUBPROTOCOL, type TicketTransport } from './transports.js';
export type {
  ClientEvents,
  ClientMessage,
  CloseInfo,
  ConnectionState,
  DefaultServerMessages,
  MessageMap,
  MessageOf,
  ReservedEventName,
  RetryInfo,
  ServerMessage,
  StopInfo,
  StopReason,
  Unsubscribe,
  WsGateClient,
} from './types.js';
