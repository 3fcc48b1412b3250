export {
  RedisLimitUnavailableError,
  RevocationBusClosedError,
  RevocationBusUnavailableError,
} from './errors.js';
export type { RedisLogger } from './logger.js';
export {
  createIoRedisCommand,
  createNodeRedisCommand,
  type IoRedisCommandClient,
  type NodeRedisCommandClient,
  type RedisCommand,
} from './redis-command.js';
export { RedisConnectionSlots, type RedisConnectionSlotsOptions } from './redis-connection-slots.js';
export { RedisRefusalCounter, type RedisRefusalCounterOptions } from './redis-refusal-counter.js';
export {
  RedisRevocationBus,
  type RedisRevocationBusOptions,
  type RevocationPublishResult,
  type RevocationStreamOptions,
  type RevocationTarget,
} from './redis-revocation-bus.js';
export {
  createIoRedisSubscriber,
  createNodeRedisSubscriber,
  type ClientEventListener,
  type IoRedisSubscriberClient,
  type NodeRedisPubSubListener,
  type NodeRedisSubscriberClient,
  type RedisSubscriber,
  type RedisSubscriptionHandlers,
} from './redis-subscriber.js';
export {
  RedisTicketStore,
  type RedisTicketStoreOptions,
  type TakeStrategy,
  type WaitForReplicasOptions,
} from './redis-ticket-store.js';
