import { WsGateConfigError } from '@wsgate/core';

/**
 * Sends one Redis command and resolves with its raw reply (a string, number, `null`, an array,
 * or a `Buffer`), or rejects with the client's error (a Redis error reply, a connection error).
 *
 * `args` is the whole command, name first: `['SET', key, value, 'PX', '30000', 'NX']`. This is
 * the only thing `@wsgate/redis-store` needs of a Redis client, so any client fits: use
 * {@link createIoRedisCommand} or {@link createNodeRedisCommand}, or write your own.
 *
 * The store bounds every call with its own `commandTimeoutMs`, so a command that never settles
 * cannot hang a handshake; the client should still fail fast while disconnected (see the
 * README: ioredis `enableOfflineQueue: false`, node-redis `disableOfflineQueue: true`).
 */
export type RedisCommand = (args: string[]) => Promise<unknown>;

/**
 * What {@link createIoRedisCommand} needs of an ioredis (v5, v6) `Redis` instance: its
 * generic `call(name, ...args)`. Typed structurally, so `@wsgate/redis-store` never imports
 * ioredis.
 */
export interface IoRedisCommandClient {
  /** Sends `command` with `args` and resolves with the reply. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * What {@link createNodeRedisCommand} needs of a node-redis (v4, v5, v6) client: its
 * `sendCommand(args)`. Typed structurally, so `@wsgate/redis-store` never imports `redis`.
 */
export interface NodeRedisCommandClient {
  /** Sends the command `args` (name first) and resolves with the reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

function unnamed(args: readonly string[]): boolean {
  return typeof args[0] !== 'string' || args[0] === '';
}

function unnamedCommand(): Promise<never> {
  return Promise.reject(new WsGateConfigError('a Redis command needs a name'));
}

/**
 * Adapts an ioredis client (`new Redis(...)`) into a {@link RedisCommand} (`client.call(...)`).
 * The adapter adds no listener and changes no setting: reconnecting stays the client's job.
 * Create the client with `enableOfflineQueue: false` (or a small `maxRetriesPerRequest`) so
 * commands fail at once while Redis is down instead of queueing.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const client = new Redis({ host: '127.0.0.1', enableOfflineQueue: false });
 * const store = new RedisTicketStore({ command: createIoRedisCommand(client) });
 */
export function createIoRedisCommand(client: IoRedisCommandClient): RedisCommand {
  if (client === null || typeof client !== 'object' || typeof client.call !== 'function') {
    throw new WsGateConfigError('createIoRedisCommand() needs an ioredis client (an object with call())');
  }
  return (args) => (unnamed(args) ? unnamedCommand() : client.call(...(args as [string, ...string[]])));
}

/**
 * Adapts a node-redis v4+ client (`createClient(...)`, connected) into a {@link RedisCommand}
 * (`client.sendCommand(args)`). The adapter adds no listener: node-redis throws on an `'error'`
 * event nobody listens to, so attach `client.on('error', ...)` yourself, and create the client
 * with `disableOfflineQueue: true` so commands fail at once while Redis is down.
 *
 * @example
 * import { createClient } from 'redis';
 * const client = createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true });
 * client.on('error', (error) => log.warn(error.message));
 * await client.connect();
 * const store = new RedisTicketStore({ command: createNodeRedisCommand(client) });
 */
export function createNodeRedisCommand(client: NodeRedisCommandClient): RedisCommand {
  if (client === null || typeof client !== 'object' || typeof client.sendCommand !== 'function') {
    throw new WsGateConfigError(
      'createNodeRedisCommand() needs a node-redis v4+ client (an object with sendCommand())',
    );
  }
  return (args) => (unnamed(args) ? unnamedCommand() : client.sendCommand([...args]));
}
