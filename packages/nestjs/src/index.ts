export { WsGateMessageException, WsGateModuleMissingError } from './errors.js';
export type { ExceptionError } from './exception-errors.js';
export type { HttpRequestLike } from './http-request.js';
export { WsRawMessage, WSGATE_RAW_MESSAGE_KEY } from './raw-message.decorator.js';
export { RequireClaims, Roles, WSGATE_CLAIMS_KEY, WSGATE_ROLES_KEY } from './roles.decorator.js';
export { getWsPrincipal } from './socket-state.js';
export { TicketService } from './ticket.service.js';
export { TicketStore, WsGate, WSGATE_OPTIONS } from './tokens.js';
export { WsAuthGuard } from './ws-auth.guard.js';
export { WsMessageDto } from './ws-message.dto.js';
export { WsPrincipal } from './ws-principal.decorator.js';
export { WsValidationPipe, type WsValidationPipeOptions } from './ws-validation.pipe.js';
export { WsGateAdapter, type GatewayServerOptions, type WsGateAdapterOptions } from './wsgate.adapter.js';
export { WsGateExceptionFilter } from './wsgate-exception.filter.js';
export { WsGateModule } from './wsgate.module.js';
export type {
  TicketRouteAuthenticator,
  WsGateEnvelope,
  WsGateModuleAsyncOptions,
  WsGateModuleOptions,
  WsGateOptionsFactory,
  WsGateTicketRouteOptions,
} from './wsgate-options.js';
export { WsGateService } from './wsgate.service.js';
export { rolesOf, type ClaimRequirement, type TicketSubject } from '@wsgate/core';
