export { WsGateMessageException, WsGateModuleMissingError } from './errors.js';
export type { ExceptionFrame } from './error-frames.js';
export type { HttpRequestLike } from './http-request.js';
export { getWsPrincipal, rolesOf } from './principal.js';
export {
  RequireClaims,
  Roles,
  WSGATE_CLAIMS_KEY,
  WSGATE_ROLES_KEY,
  type ClaimRequirement,
} from './roles.decorator.js';
export { TicketService } from './ticket.service.js';
export { TicketStore, WsGate, WSGATE_OPTIONS } from './tokens.js';
export { WsAuthGuard } from './ws-auth.guard.js';
export { WsMessageDto } from './ws-message.dto.js';
export { WsPrincipal } from './ws-principal.decorator.js';
export { WsValidationPipe, type WsValidationPipeOptions } from './ws-validation.pipe.js';
export { WsGateAdapter, type WsGateAdapterOptions } from './wsgate.adapter.js';
export { WsGateExceptionFilter } from './wsgate-exception.filter.js';
export { WsGateModule } from './wsgate.module.js';
export {
  PERMISSIVE_VALIDATOR,
  type TicketRouteThrottle,
  type TicketSubject,
  type WsGateFactoryDependency,
  type WsGateMessageOptions,
  type WsGateModuleAsyncOptions,
  type WsGateModuleOptions,
  type WsGateTicketRouteOptions,
} from './wsgate-options.js';
export { WsGateService } from './wsgate.service.js';
