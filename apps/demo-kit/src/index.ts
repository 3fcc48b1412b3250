// The demo kit: everything both samples share besides their framework wiring.
export {
  DemoAuth,
  loginAccountOf,
  type DemoTicketSubject,
  type LoginAnswer,
  type LoginRequest,
  type LogoutAnswer,
} from './demo-auth.js';
export { clientAddressResolver } from './client-address.js';
export { createDemoBackend, type DemoBackend } from './demo-backend.js';
export { demoGateOptions, type DemoGateOptions } from './demo-gate-options.js';
export {
  announceFrame,
  ChatRooms,
  eventData,
  MAX_TEXT_LENGTH,
  ROOM_PATTERN,
  welcomeFrame,
  whoamiFrame,
  type ChatFrame,
  type ChatRefusal,
  type ChatResult,
  type JoinResult,
} from './demo-chat.js';
export {
  readDemoConfig,
  type DemoConfig,
  type DemoTrustProxy,
  type LoginLimits,
  type MetricsAccess,
  type SessionLimits,
  type TlsFiles,
  type WebSocketSettings,
} from './demo-config.js';
export { describeError, type DemoLogger, type LogFields } from './demo-logger.js';
export { DemoMetrics, isLoopback } from './demo-metrics.js';
export { DemoRedis } from './demo-redis.js';
export { MAX_CREDENTIAL_LENGTH, verifyCredentials, type DemoUser } from './demo-users.js';
export { DemoConfigError, SessionStoreUnavailableError } from './errors.js';
export { errorAnswer, errorStatus, isJsonContentType, type HttpAnswer } from './http-answers.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './memory-session-store.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-session-store.js';
export { SESSION_ENDED_REASON, SessionRevocation, type SessionRevoker } from './session-revocation.js';
export type { CreatedSession, Session, SessionStore } from './session-store.js';
export {
  newSessionToken,
  readSessionToken,
  SESSION_COOKIE,
  sessionCookieOptions,
  sessionIdOf,
  type SessionCookieOptions,
} from './session-token.js';
