import createError from '@fastify/error';

/** A @wsgate/fastify option is invalid (thrown at registration, so the app fails to boot). */
export const FST_WSGATE_INVALID_OPTION = createError<[string]>(
  'FST_WSGATE_INVALID_OPTION',
  'Invalid @wsgate/fastify option: %s',
  500,
);

/**
 * @fastify/websocket was registered before @wsgate/fastify. @wsgate registers it itself, with
 * its limits and subprotocol selection; pass ws options as its `websocket` option instead.
 */
export const FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED = createError(
  'FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED',
  '@fastify/websocket is already registered: register @wsgate/fastify instead and pass ws options as its `websocket` option',
  500,
);

/**
 * A WebSocket route declares neither the messages it accepts (`config.wsgate.messages`) nor
 * that it reads raw frames itself (`config.wsgate.raw: true`): every frame must be validated,
 * so such a route is refused when it is registered (fail closed).
 */
export const FST_WSGATE_NO_MESSAGES = createError<[string]>(
  'FST_WSGATE_NO_MESSAGES',
  'WebSocket route %s declares no messages: set config.wsgate.messages (a schema per message type), or config.wsgate.raw: true to read unvalidated frames yourself',
  500,
);

/** A route's `config.wsgate.messages` is malformed (a message without a schema or a handler). */
export const FST_WSGATE_INVALID_MESSAGES = createError<[string, string]>(
  'FST_WSGATE_INVALID_MESSAGES',
  'WebSocket route %s: %s',
  500,
);
