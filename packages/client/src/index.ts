export { connect } from './connect.js';
export { WsGateClientError, type WsGateClientErrorCode } from './errors.js';
export type { SchemaMessages, SchemasFor, ServerSchemas, UntypedSchemas } from './frame-schemas.js';
export type {
  ConnectOptions,
  FetchLike,
  ReconnectOptions,
  TicketResponseLike,
  TimerFunctions,
  WebSocketConstructorLike,
  WebSocketLike,
} from './options.js';
export type {
  InferOutput,
  StandardSchemaV1,
  StandardSchemaV1Issue,
  StandardSchemaV1Options,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
  StandardSchemaV1Types,
} from './standard-schema.js';
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
