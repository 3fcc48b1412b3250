import { WsGateConfigError } from '@wsgate/core';
import { replyText } from './command-runner.js';

/** What a subscriber connection reports to one subscription. Called by a {@link RedisSubscriber}. */
export interface RedisSubscriptionHandlers {
  /** A message arrived on the channel. */
  onMessage(message: string): void;
  /** The connection was lost; messages published from now on are missed until `onResubscribed`. */
  onDisconnected(): void;
  /** The connection is back and the channel is subscribed again. */
  onResubscribed(): void;
  /** The connection reported an error while it was up (errors of reconnect attempts are not reported). */
  onError(error: unknown): void;
}

/**
 * A Redis pub/sub subscription, client-agnostic. Build one with {@link createIoRedisSubscriber}
 * or {@link createNodeRedisSubscriber}. Give it a connection of its own: a connection in
 * subscriber mode cannot run other commands (RESP2).
 */
export interface RedisSubscriber {
  /** Subscribes to `channel`; resolves once Redis confirmed. Reports to `handlers` until `unsubscribe`. */
  subscribe(channel: string, handlers: RedisSubscriptionHandlers): Promise<void>;
  /** Stops reporting to the handlers of `channel` and unsubscribes from it. */
  unsubscribe(channel: string): Promise<void>;
}

/** An event listener as the adapters register it: arguments are checked at run time. */
export type ClientEventListener = (...args: unknown[]) => void;

/**
 * What {@link createIoRedisSubscriber} needs of an ioredis (v5, v6) `Redis` instance dedicated
 * to subscribing (e.g. `client.duplicate()`). Typed structurally; `@wsgate/redis-store` never
 * imports ioredis.
 */
export interface IoRedisSubscriberClient {
  /** Subscribes to one channel. */
  subscribe(channel: string): Promise<unknown>;
  /** Unsubscribes from one channel. */
  unsubscribe(channel: string): Promise<unknown>;
  /** EventEmitter `on` (`message`, `ready`, `close`, `error` are used). */
  on(event: string, listener: ClientEventListener): unknown;
  /** EventEmitter `removeListener`. */
  removeListener(event: string, listener: ClientEventListener): unknown;
}

/** A node-redis pub/sub listener: `(message, channel)`. */
export type NodeRedisPubSubListener = (message: string, channel: string) => void;

/**
 * What {@link createNodeRedisSubscriber} needs of a connected node-redis (v4+) client dedicated to
 * subscribing (e.g. `client.duplicate()`). Typed structurally; `@wsgate/redis-store` never
 * imports `redis`.
 */
export interface NodeRedisSubscriberClient {
  /** Subscribes `listener` to `channel`. */
  subscribe(channel: string, listener: NodeRedisPubSubListener): Promise<unknown>;
  /** Removes `listener` from `channel` (and unsubscribes when it was the last). */
  unsubscribe(channel: string, listener: NodeRedisPubSubListener): Promise<unknown>;
  /** EventEmitter `on` (`ready`, `reconnecting`, `end`, `error` are used). */
  on(event: string, listener: ClientEventListener): unknown;
  /** EventEmitter `removeListener`. */
  removeListener(event: string, listener: ClientEventListener): unknown;
}

function assertClient(name: string, client: unknown, methods: readonly string[]): void {
  const ok =
    client !== null &&
    typeof client === 'object' &&
    methods.every((method) => typeof (client as Record<string, unknown>)[method] === 'function');
  if (!ok) throw new WsGateConfigError(`${name}() needs a client with ${methods.join(', ')}`);
}

function safely(handler: () => void): void {
  try {
    handler();
  } catch {
    // A throwing handler must not break the client's event loop.
  }
}

/**
 * Tracks connection state for one client and fans it out to the subscribed channels. `lost`
 * is set at the first sign of a lost connection and cleared when it is usable again, so one
 * outage yields one `onDisconnected` and one `onResubscribed` per channel.
 */
class SubscriptionTable {
  readonly channels = new Map<string, RedisSubscriptionHandlers>();
  lost = false;

  /** Drops `channel` if it still belongs to `handlers` (a failed subscribe); detaches when empty. */
  forget(channel: string, handlers: RedisSubscriptionHandlers, detach: () => void): boolean {
    if (this.channels.get(channel) !== handlers) return false;
    this.channels.delete(channel);
    if (this.channels.size === 0) detach();
    return true;
  }

  disconnected(): void {
    if (this.lost) return;
    this.lost = true;
    for (const handlers of this.channels.values()) safely(() => handlers.onDisconnected());
  }

  error(error: unknown): void {
    if (this.lost) return;
    for (const handlers of this.channels.values()) safely(() => handlers.onError(error));
  }

  message(channel: unknown, message: unknown): void {
    const name = replyText(channel);
    const text = replyText(message);
    if (name === undefined || text === undefined) return;
    const handlers = this.channels.get(name);
    if (handlers !== undefined) safely(() => handlers.onMessage(text));
  }
}

/** Adds or removes a client's event listeners as one unit (while any channel is subscribed). */
function eventBinding(
  client: {
    on(event: string, listener: ClientEventListener): unknown;
    removeListener(event: string, listener: ClientEventListener): unknown;
  },
  events: readonly (readonly [string, ClientEventListener])[],
): { attach(): void; detach(): void } {
  return {
    attach: () => {
      for (const [event, listener] of events) client.on(event, listener);
    },
    detach: () => {
      for (const [event, listener] of events) client.removeListener(event, listener);
    },
  };
}

/**
 * Adapts an ioredis client dedicated to pub/sub into a {@link RedisSubscriber}.
 *
 * After a reconnect, ioredis resubscribes by itself (`autoResubscribe`, default `true`); the
 * adapter also subscribes its channels again on `ready` (idempotent in Redis) and reports
 * `onResubscribed` once Redis confirmed, so the subscription comes back even with
 * `autoResubscribe: false`.
 *
 * @example
 * const subscriber = createIoRedisSubscriber(new Redis({ host: '127.0.0.1' }));
 */
export function createIoRedisSubscriber(client: IoRedisSubscriberClient): RedisSubscriber {
  assertClient('createIoRedisSubscriber', client, ['subscribe', 'unsubscribe', 'on', 'removeListener']);
  const table = new SubscriptionTable();
  const onMessage = (channel: unknown, message: unknown): void => table.message(channel, message);
  const onClose = (): void => table.disconnected();
  const onError = (error: unknown): void => table.error(error);
  const onReady = (): void => {
    if (!table.lost) return;
    table.lost = false;
    for (const [channel, handlers] of table.channels) {
      client.subscribe(channel).then(
        () => {
          if (table.channels.get(channel) === handlers) safely(() => handlers.onResubscribed());
        },
        (error: unknown) => {
          if (table.channels.get(channel) === handlers) safely(() => handlers.onError(error));
        },
      );
    }
  };
  const events: [string, ClientEventListener][] = [
    ['message', onMessage],
    ['close', onClose],
    ['error', onError],
    ['ready', onReady],
  ];
  const { attach, detach } = eventBinding(client, events);

  return Object.freeze({
    async subscribe(channel: string, handlers: RedisSubscriptionHandlers): Promise<void> {
      if (table.channels.has(channel)) throw new WsGateConfigError(`already subscribed to ${channel}`);
      if (table.channels.size === 0) attach();
      table.channels.set(channel, handlers);
      try {
        await client.subscribe(channel);
      } catch (error) {
        table.forget(channel, handlers, detach);
        throw error;
      }
    },
    async unsubscribe(channel: string): Promise<void> {
      if (!table.channels.delete(channel)) return;
      if (table.channels.size === 0) detach();
      await client.unsubscribe(channel);
    },
  });
}

/**
 * Adapts a connected node-redis (v4+) client dedicated to pub/sub into a {@link RedisSubscriber}.
 * node-redis resubscribes by itself before it emits `ready` after a reconnect; the adapter
 * reports `onDisconnected` on `reconnecting`/`end` and `onResubscribed` on that `ready`. It
 * listens to `error`, so the client's errors never crash the process.
 *
 * @example
 * const subscriber = createNodeRedisSubscriber(await client.duplicate().connect());
 */
export function createNodeRedisSubscriber(client: NodeRedisSubscriberClient): RedisSubscriber {
  assertClient('createNodeRedisSubscriber', client, ['subscribe', 'unsubscribe', 'on', 'removeListener']);
  const table = new SubscriptionTable();
  const listeners = new Map<string, NodeRedisPubSubListener>();
  const onLost = (): void => table.disconnected();
  const onError = (error: unknown): void => table.error(error);
  const onReady = (): void => {
    if (!table.lost) return;
    table.lost = false;
    for (const handlers of table.channels.values()) safely(() => handlers.onResubscribed());
  };
  const events: [string, ClientEventListener][] = [
    ['reconnecting', onLost],
    ['end', onLost],
    ['error', onError],
    ['ready', onReady],
  ];
  const { attach, detach } = eventBinding(client, events);

  return Object.freeze({
    async subscribe(channel: string, handlers: RedisSubscriptionHandlers): Promise<void> {
      if (table.channels.has(channel)) throw new WsGateConfigError(`already subscribed to ${channel}`);
      if (table.channels.size === 0) attach();
      table.channels.set(channel, handlers);
      const listener: NodeRedisPubSubListener = (message, name) => table.message(name, message);
      listeners.set(channel, listener);
      try {
        await client.subscribe(channel, listener);
      } catch (error) {
        if (table.forget(channel, handlers, detach)) listeners.delete(channel);
        throw error;
      }
    },
    async unsubscribe(channel: string): Promise<void> {
      const listener = listeners.get(channel);
      if (!table.channels.delete(channel) || listener === undefined) return;
      listeners.delete(channel);
      if (table.channels.size === 0) detach();
      await client.unsubscribe(channel, listener);
    },
  });
}
