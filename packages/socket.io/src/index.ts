export { wsgateSocketIo } from './wsgate-socket-io.js';
export type { SocketIoServerLike, TicketRequestAuthenticator, WsGateSocketIo } from './wsgate-socket-io.js';
export { defineEvents } from './define-events.js';
export { listenerEvents, type EventResolver, type ListenerEvents } from './listener-events.js';
export type { WsGateSocketIoOptions } from './options.js';
export type { AuditSink, LevelLogger } from './audit-log.js';
export { EXCEPTION_EVENT, type ClosableSocket } from './connections.js';
export { sendEventError, type Acknowledgement, type AckError } from './socket-events.js';
export { socketIoEnvelope } from './event-envelope.js';
export { translateClose, type CloseTranslation } from './close-translation.js';
export type {
  SocketIoEventContext,
  SocketIoEventDefinition,
  SocketIoEvents,
  WsGateClaims,
  WsGateSocket,
  WsGateSocketData,
} from './types.js';
export { MessageRejection, type TicketSubject } from '@wsgate/core';
