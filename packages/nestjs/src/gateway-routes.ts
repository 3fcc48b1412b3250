import type { Type } from '@nestjs/common';
import { MetadataScanner } from '@nestjs/core';
import { WsGateConfigError, type Validator } from '@wsgate/core';
import { classValidatorSchema, isDtoClass } from '@wsgate/core/class-validator';
import { NEST_METADATA, PAYLOAD_PARAMTYPE } from './nest-metadata.js';
import { WSGATE_RAW_MESSAGE_KEY } from './raw-message.decorator.js';

/** What a handler takes as its message body. */
export type HandlerPayload =
  /** A `@MessageBody()` typed with a DTO class: validated (and transformed) before the handler. */
  | { readonly kind: 'dto'; readonly validator: Validator<unknown> }
  /** No `@MessageBody()`: the message carries nothing else. */
  | { readonly kind: 'empty' }
  /** `@WsRawMessage()`: the body is the handler's to check. */
  | { readonly kind: 'raw' };

/** One `@SubscribeMessage()` handler, as the adapter routes it. */
export interface GatewayHandler {
  /** `Gateway.method`, for errors and logs. */
  readonly name: string;
  readonly payload: HandlerPayload;
}

/**
 * Where a gateway listens: Nest's port (`0`: the application's server), path, and Socket.IO
 * namespace (a name, or the RegExp / function of dynamic namespaces; none: the main one, `/`).
 */
export interface GatewayAddress {
  readonly port: number;
  readonly path: string | undefined;
  readonly namespace?: unknown;
}

function addressOf(metatype: Type<unknown>): GatewayAddress {
  const options = (Reflect.getMetadata(NEST_METADATA.gatewayOptions, metatype) ?? {}) as {
    path?: string;
    namespace?: unknown;
  };
  const port = (Reflect.getMetadata(NEST_METADATA.port, metatype) ?? 0) as number;
  return { port, path: options.path, namespace: options.namespace };
}

/**
 * A namespace as Nest hands it to Socket.IO (a name gets a leading `/`; none or `''`: the main
 * namespace `/`), or the very RegExp / function of a dynamic namespace.
 */
function namespaceKey(namespace: unknown): unknown {
  if (namespace === undefined || namespace === null || namespace === '') return '/';
  if (typeof namespace !== 'string') return namespace;
  return namespace.startsWith('/') ? namespace : `/${namespace}`;
}

/** The DTO class of a method's whole-body `@MessageBody()`, `null` without one, `undefined` for a non-class body. */
function bodyType(metatype: Type<unknown>, method: string): Type<unknown> | null | undefined {
  const args = (Reflect.getMetadata(NEST_METADATA.routeArguments, metatype, method) ?? {}) as Record<
    string,
    { index: number; data?: unknown }
  >;
  const body = Object.entries(args).find(
    ([key, argument]) => Number(key.split(':')[0]) === PAYLOAD_PARAMTYPE && argument.data === undefined,
  );
  const partial = Object.keys(args).some((key) => Number(key.split(':')[0]) === PAYLOAD_PARAMTYPE);
  if (body === undefined) return partial ? undefined : null;
  const types = (Reflect.getMetadata(NEST_METADATA.paramTypes, metatype.prototype, method) ??
    []) as unknown[];
  const type = types[body[1].index];
  return isDtoClass(type) ? (type as Type<unknown>) : undefined;
}

function handlerOf(metatype: Type<unknown>, method: string): GatewayHandler {
  const name = `${metatype.name}.${method}`;
  const callback = (metatype.prototype as Record<string, unknown>)[method] as object;
  if (Reflect.getMetadata(WSGATE_RAW_MESSAGE_KEY, callback) === true)
    return { name, payload: { kind: 'raw' } };
  const dto = bodyType(metatype, method);
  if (dto === null) return { name, payload: { kind: 'empty' } };
  if (dto === undefined) {
    throw new WsGateConfigError(
      `${name}: its @MessageBody() is not a DTO class, so its messages could not be validated; ` +
        'type it with a class-validator DTO, or mark the handler @WsRawMessage() to take raw input',
    );
  }
  try {
    return { name, payload: { kind: 'dto', validator: classValidatorSchema(dto) } };
  } catch (error) {
    throw new WsGateConfigError(`${name}: ${(error as Error).message}`);
  }
}

/**
 * The `@SubscribeMessage()` handlers of the application's gateways, by where they listen and by
 * message, with what each takes as its body: read from Nest's metadata and compiled once. A
 * handler whose body cannot be validated is refused here, naming it (fail closed).
 */
export class GatewayRoutes {
  /** Each address's handlers: port and path as one key, and the namespace as `namespaceKey` makes it. */
  private readonly addresses: { key: string; namespace: unknown; handlers: Map<string, GatewayHandler> }[] =
    [];

  constructor(gateways: readonly Type<unknown>[]) {
    const scanner = new MetadataScanner();
    for (const metatype of gateways) {
      const handlers = this.handlersAt(addressOf(metatype));
      for (const method of scanner.getAllMethodNames(metatype.prototype as object)) {
        const callback = (metatype.prototype as Record<string, unknown>)[method];
        if (
          typeof callback !== 'function' ||
          Reflect.getMetadata(NEST_METADATA.messageMapping, callback) === undefined
        )
          continue;
        const message: unknown = Reflect.getMetadata(NEST_METADATA.message, callback);
        if (typeof message === 'string') handlers.set(message, handlerOf(metatype, method));
      }
    }
  }

  /** The handlers of the gateways at `address`, by message (the same map for the same address). */
  handlersAt(address: GatewayAddress): Map<string, GatewayHandler> {
    const key = `${address.port} ${address.path ?? ''}`;
    const namespace = namespaceKey(address.namespace);
    let found = this.addresses.find((each) => each.key === key && each.namespace === namespace);
    if (found === undefined) this.addresses.push((found = { key, namespace, handlers: new Map() }));
    return found.handlers;
  }
}

/** Whether a class is a `@WebSocketGateway()`. */
export function isGateway(metatype: unknown): metatype is Type<unknown> {
  return typeof metatype === 'function' && Reflect.getMetadata(NEST_METADATA.gateway, metatype) === true;
}
