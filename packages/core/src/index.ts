export type {
  AdmittableWebSocket,
  AdmittedConnection,
  GatedConnection,
  OpenWebSocketOptions,
  ServedWebSocket,
} from './admission.js';
export {
  auditLine,
  auditRecord,
  type AuditEvent,
  type AuditEventName,
  type AuditEvents,
  type AuditFieldValue,
  type AuditLevel,
  type AuditOptions,
} from './audit-events.js';
export { writeAuditEvent, type LevelLogger } from './audit-log.js';
export { systemClock, type Clock } from './clock.js';
export { CloseCode } from './close-codes.js';
export { closeWhenSettled } from './close-flush.js';
export {
  createConnectionRegistry,
  truncateCloseReason,
  type ClosableConnection,
  type ConnectionRegistry,
  type ConnectionRegistryOptions,
  type ConnectionReservation,
  type ReservationResult,
} from './connection-registry.js';
export {
  createMemoryConnectionSlots,
  type ConnectionSlot,
  type ConnectionSlotStore,
  type SlotAcquisition,
  type SlotLimits,
} from './connection-slot-store.js';
export type { ConnectionLimits } from './connection-slots.js';
export {
  createConnectionSupervisor,
  SEND_BUFFER_FULL_REASON,
  type ConnectionSupervisor,
  type SendableSocket,
  type SessionStatus,
  type SupervisedConnection,
  type Supervision,
  type SupervisionHooks,
  type SupervisionOptions,
} from './connection-supervisor.js';
export { DEFAULTS } from './defaults.js';
export { deferAdmission, type AdmittedUpgrade, type DeferredAdmission } from './deferred-admission.js';
export { DRAIN_CLOSE_REASON, type DrainOptions, type DrainPhase, type DrainResult } from './drain.js';
export {
  emptyPayloadValidator,
  eventEnvelope,
  typeEnvelope,
  type DecodedEnvelope,
  type DecodeResult,
  type EnvelopeCodec,
} from './envelope-codecs.js';
export { coalesceHandshakeWrites, type HandshakeHeadersEmitter } from './handshake-coalescing.js';
export {
  TicketKeyExistsError,
  TicketStoreClosedError,
  TicketStoreFullError,
  TicketStoreUnavailableError,
  WsGateConfigError,
  WsGateError,
} from './errors.js';
export {
  checkDecodedValue,
  createFrameChecker,
  resolveFrameLimits,
  type FrameCheck,
  type FrameChecker,
  type FrameLimits,
  type RawFrame,
  type ResolvedFrameLimits,
} from './frame-check.js';
export {
  createHandshakeAuthorizer,
  HANDSHAKE_REFUSALS,
  handshakeRefusal,
  type AuthorizeOptions,
  type HandshakeAcceptance,
  type HandshakeAuthorizer,
  type HandshakeAuthorizerOptions,
  type HandshakeInspection,
  type HandshakeRefusal,
  type HandshakeRefusalCode,
  type HandshakeRefusalReason,
  type HandshakeRefusalStatus,
  type HandshakeResult,
  type SessionBinding,
  type SessionRequestAcceptance,
} from './handshake-authorizer.js';
export { SocketContext, UpgradeContext, type PrincipalSource } from './handler-contexts.js';
export { errorCodeForStatus } from './http-errors.js';
export {
  handshakeRequestFrom,
  headerValue,
  type FrameworkRequest,
  type HandshakeHeaders,
  type HandshakeRequest,
  type IncomingMessageLike,
} from './handshake-request.js';
export {
  checkHandshakeSyntax,
  parseSubprotocolHeader,
  type HandshakeSyntaxError,
} from './handshake-syntax.js';
export { normalizeIp, sameClientAddress, type IpPrefixBinding } from './ip-address.js';
export { isSafePathSegment, safePointer } from './issue-path.js';
export {
  extraPropertyIssue,
  jsonSchemaValidator,
  type JsonSchema,
  type JsonSchemaValidatorOptions,
  type StaticOf,
} from './json-schema-validator.js';
export { MemoryTicketStore, type MemoryTicketStoreOptions } from './memory-ticket-store.js';
export {
  holdsAnyRole,
  isMessageAllowed,
  rolesOf,
  satisfiesClaims,
  type ClaimRequirement,
  type MessageAccess,
} from './message-authorization.js';
export {
  invalidMessage,
  MESSAGE_ERRORS,
  messageError,
  messageErrorForStatus,
  messageErrorFrom,
  unknownMessage,
  type MessageError,
  type MessageErrorCode,
} from './message-errors.js';
export {
  compileMessageDefinitions,
  type MessageDefinition,
  type MessageDefinitions,
} from './message-definitions.js';
export {
  MessageRejection,
  messageErrorOfFault,
  runMessageHandler,
  type HandlerOutcome,
  type MessageHandling,
} from './message-handler.js';
export {
  type ConnectionRouter,
  type MessageRoute,
  type MessageRouter,
  type RouterConnection,
  type RouteResolution,
} from './message-router.js';
export {
  toValidator,
  type InferMessage,
  type MessageOf,
  type MessageSchema,
  type StandardSchemaV1,
} from './message-schema.js';
export {
  booleanOption,
  booleanOptions,
  nonEmptyString,
  nonNegativeInteger,
  oneOf,
  optionalFunction,
  onlyKnownOptions,
  optionsObject,
  positiveInteger,
  positiveNumber,
  requiredFunction,
} from './option-checks.js';
export { normalizeOrigin, parseOrigin, type ParsedOrigin } from './origin.js';
export {
  createOriginPolicy,
  type OriginCheckResult,
  type OriginPattern,
  type OriginPolicy,
  type OriginPolicyOptions,
  type OriginRefusalReason,
} from './origin-policy.js';
export type {
  MetricAttributes,
  MetricCounter,
  MetricHistogram,
  MetricInstrumentOptions,
  MetricObservableGauge,
  MetricObservation,
  WsGateMeter,
} from './meter.js';
export {
  createMemoryRefusalCounter,
  createRefusalLimiter,
  type RefusalCounter,
  type RefusalLimiter,
  type RefusalLimitOptions,
} from './refusal-limiter.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiterOptions,
  type RateLimitDecision,
  type RequestRateLimiter,
} from './request-rate-limiter.js';
export {
  checkUntrustedValue,
  parseUntrustedJson,
  type SafeJsonResult,
  type SafeValueResult,
} from './safe-json.js';
export {
  principalOf,
  recordSocket,
  reportSocketRefusal,
  sendSocketError,
  type SendSocketErrorOptions,
  type SocketAcknowledgement,
  type SocketRecord,
} from './socket-records.js';
export { selectSubprotocol } from './subprotocol.js';
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
  redactUrlForLog,
  TICKET_SUBPROTOCOL_PREFIX,
  withoutTicketSubprotocols,
  WSGATE_SUBPROTOCOL,
  type TicketExtraction,
  type TicketSource,
} from './ticket-extraction.js';
export {
  resolveTicketRoute,
  type ResolvedTicketRoute,
  type TicketRouteLimit,
  type TicketRouteSettings,
} from './ticket-route-options.js';
export {
  ticketRateKey,
  type IssueForRequestResult,
  type TicketAnswer,
  type TicketAnswerStatus,
  type TicketRequestAuthenticator,
  type TicketRequestLimiters,
  type TicketRequestPrecheck,
  type TicketRequestRefusal,
  type TicketSubject,
} from './ticket-request.js';
export {
  createTicketService,
  isTicketService,
  ticketStoreOf,
  type IssuedTicket,
  type IssueTicketInput,
  type Principal,
  type RedeemContext,
  type RedeemResult,
  type TicketRefusalReason,
  type TicketService,
  type TicketServiceOptions,
} from './ticket-service.js';
export type { SlotClaim, TakenWithSlot, TicketClaims, TicketRecord, TicketStore } from './ticket-store.js';
export { TokenBucket, type RateLimit } from './token-bucket.js';
export {
  createTransportPolicy,
  type TransportPolicy,
  type TransportPolicyOptions,
  type TrustProxy,
} from './transport-policy.js';
export type { ValidatedType, ValidationIssue, ValidationResult, Validator } from './validator.js';
export {
  interceptUpgrades,
  type CompletingServer,
  type InspectingGate,
  type UpgradeInterception,
} from './upgrade-interception.js';
export {
  handleUpgrade,
  type UpgradedClient,
  type UpgradeHandlers,
  type UpgradingServer,
} from './upgrade-handler.js';
export {
  afterPendingResponse,
  guardUpgrade,
  redactRequestForLog,
  type RedactableRequest,
  type UpgradeGuard,
  type UpgradeSocket,
} from './upgrade-guard.js';
export { writeHttpRefusal, type RefusableSocket, type RefusalAnswer } from './upgrade-decision.js';
export type { WsServerOptions } from './ws-server-options.js';
export {
  createWsGate,
  type RefusalMode,
  type SessionCheck,
  type TicketRequestOptions,
  type UpgradeAcceptance,
  type UpgradeResult,
  type WsGate,
  type WsGateOptions,
} from './wsgate.js';
