import createError from '@fastify/error';

/** A @wsgate/fastify option is invalid (thrown at registration, so the app fails to boot). */
export const FST_WSGATE_INVALID_OPTION = createError<[string]>(
  'FST_WSGATE_INVALID_OPTION',
  'Invalid @wsgate/fastify option: %s',
  500,
);

/**
 * @fastify/websocket was registered before @wsgate/fastify. @wsgate registers it itself, with
 * `maxPayload` from the message guard, `permessage-deflate` off and its subprotocol
 * selection; pass ws options through the `websocket` option instead.
 */
export const FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED = createError(
  'FST_WSGATE_WEBSOCKET_ALREADY_REGISTERED',
  '@fastify/websocket is already registered: register @wsgate/fastify instead and pass ws options as its `websocket` option',
  500,
);

/** `request.wsgate.onMessage()` was called on a route registered without a `messages` option. */
export const FST_WSGATE_NO_MESSAGE_GUARD = createError(
  'FST_WSGATE_NO_MESSAGE_GUARD',
  'onMessage() needs the `messages` option (schemas) of @wsgate/fastify',
  500,
);
