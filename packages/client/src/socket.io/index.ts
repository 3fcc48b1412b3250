export { connectSocketIo } from './connect-socket-io.js';
export type {
  SocketIoClientEvents,
  SocketIoClientSocketLike,
  SocketIoConnectOptions,
  SocketIoLookup,
  SocketIoStopInfo,
  SocketIoStopReason,
  WsGateSocketIoClient,
} from './types.js';
export { WsGateClientError, type WsGateClientErrorCode } from '../errors.js';
export type { FetchLike, ReconnectOptions, TicketResponseLike, TimerFunctions } from '../options.js';
export type { ConnectionState, RetryInfo, Unsubscribe } from '../types.js';
