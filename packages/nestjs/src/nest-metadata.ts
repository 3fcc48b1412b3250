/**
 * The metadata keys `@nestjs/websockets` and `@nestjs/common` write, read by value: deep imports of
 * their constants are not part of Nest's public API (and Nest 12 is ESM-only).
 */
export const NEST_METADATA = Object.freeze({
  /** `@WebSocketGateway()` marks a class with this. */
  gateway: 'websockets:is_gateway',
  /** `@WebSocketGateway(options)`. */
  gatewayOptions: 'websockets:gateway_options',
  /** `@WebSocketGateway(port)`. */
  port: 'port',
  /** `@SubscribeMessage()` marks a method with this… */
  messageMapping: 'websockets:message_mapping',
  /** …and stores its pattern under this. */
  message: 'message',
  /** Parameter decorators (`@MessageBody()`, ...) of a method: `{ "<paramtype>:<index>": { index, data } }`. */
  routeArguments: '__routeArguments__',
  /** TypeScript's emitted parameter types. */
  paramTypes: 'design:paramtypes',
});

/** `WsParamtype.PAYLOAD`: the paramtype of `@MessageBody()`. */
export const PAYLOAD_PARAMTYPE = 3;
