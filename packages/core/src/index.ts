export { CloseCode } from './close-codes.js';
export {
  createConnectionSupervisor,
  type ConnectionSupervisor,
  type SupervisedSocket,
  type SupervisionOptions,
} from './connection-supervisor.js';
export { systemClock, type Clock } from './clock.js';
export {
  createConnectionRegistry,
  truncateCloseReason,
  type ClosableConnection,
  type ConnectionLimits,
  type ConnectionRegistry,
  type ConnectionReservation,
  type ReservationResult,
} from './connection-registry.js';
export {
  TicketKeyExistsError,
  TicketStoreClosedError,
  TicketStoreFullError,
  TicketStoreUnavailableError,
  WsGateConfigError,
  WsGateError,
} from './errors.js';
export {
  createFirstMessageAuthenticator,
  type FirstMessageAuthenticator,
  type FirstMessageAuthOptions,
  type FirstMessageResult,
  type PendingFirstMessageAuth,
} from './first-message-auth.js';
export {
  createHandshakeAuthorizer,
  HANDSHAKE_REFUSALS,
  type HandshakeAcceptance,
  type HandshakeAuthorizer,
  type HandshakeAuthorizerOptions,
  type HandshakePrecheck,
  type HandshakeRefusal,
  type HandshakeRefusalCode,
  type HandshakeRefusalReason,
  type HandshakeResult,
} from './handshake-authorizer.js';
export {
  handshakeRequestFrom,
  headerValue,
  type HandshakeHeaders,
  type HandshakeRequest,
  type IncomingMessageLike,
} from './handshake-request.js';
export { normalizeIp, sameClientAddress, type IpPrefixBinding } from './ip-address.js';
export {
  extraPropertyIssue,
  jsonSchemaValidator,
  type JsonSchema,
  type JsonSchemaValidatorOptions,
  type StaticOf,
} from './json-schema-validator.js';
export { MemoryTicketStore, type MemoryTicketStoreOptions } from './memory-ticket-store.js';
export {
  createMessageGuard,
  errorFrame,
  type ConnectionMessageGuard,
  type ErrorFrame,
  type MessageCheck,
  type MessageErrorCode,
  type MessageGuard,
  type MessageGuardOptions,
  type MessageOf,
  type MessageSchemas,
  type RawFrame,
} from './message-guard.js';
export { normalizeOrigin, parseOrigin, type ParsedOrigin } from './origin.js';
export {
  createOriginPolicy,
  type OriginCheckResult,
  type OriginPattern,
  type OriginPolicy,
  type OriginPolicyOptions,
  type OriginRefusalReason,
} from './origin-policy.js';
export { createRefusalLimiter, type RefusalLimiter, type RefusalLimitOptions } from './refusal-limiter.js';
export { parseUntrustedJson, type SafeJsonResult } from './safe-json.js';
export {
  generateTicket,
  isWellFormedTicket,
  ticketKey,
  TICKET_BYTES,
  TICKET_LENGTH,
} from './ticket-codec.js';
export {
  extractTicket,
  offeredSubprotocols,
  redactTicketFromSubprotocols,
  redactTicketFromUrl,
  TICKET_SUBPROTOCOL_PREFIX,
  WSGATE_SUBPROTOCOL,
  type TicketExtraction,
  type TicketSource,
} from './ticket-extraction.js';
export {
  createTicketService,
  type IssuedTicket,
  type IssueTicketInput,
  type Principal,
  type RedeemContext,
  type RedeemResult,
  type TicketRefusalReason,
  type TicketService,
  type TicketServiceOptions,
} from './ticket-service.js';
export type { TicketClaims, TicketRecord, TicketStore } from './ticket-store.js';
export { TokenBucket, type RateLimit } from './token-bucket.js';
export {
  createTransportPolicy,
  type TransportPolicy,
  type TransportPolicyOptions,
  type TrustProxy,
} from './transport-policy.js';
export type { ValidatedType, ValidationIssue, ValidationResult, Validator } from './validator.js';
export {
  createWsGate,
  type IssueForRequestResult,
  type RefusalMode,
  type TicketRequestPrecheck,
  type TicketRequestRefusal,
  type UpgradeAcceptance,
  type UpgradeResult,
  type WsGate,
  type WsGateOptions,
} from './wsgate.js';
