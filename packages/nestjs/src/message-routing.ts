import type { MessageMappingProperties } from '@nestjs/websockets';
import {
  emptyPayloadValidator,
  sendSocketError,
  WsGateError,
  type ConnectionSupervisor,
  type EnvelopeCodec,
  type MessageRoute,
  type MessageRouter,
  type SendableSocket,
  type WsGate,
} from '@wsgate/core';
import { filter, type Observable } from 'rxjs';
import { errorForEmittedPayload } from './exception-errors.js';
import type { GatewayHandler } from './gateway-routes.js';

/**
 * What a message route of a Nest socket dispatches to: the handlers bound to that socket, and
 * its replies. A class, so that an idle socket keeps one small object and no closure.
 */
export class NestSocketContext {
  /** The socket's Nest handlers by message, filled by `bindMessageHandlers` (once per gateway). */
  readonly handlers = new Map<
    string,
    { callback: MessageMappingProperties['callback']; transform: Transform }
  >();
  readonly #socket: SendableSocket;
  readonly #supervisor: ConnectionSupervisor;

  constructor(socket: SendableSocket, supervisor: ConnectionSupervisor) {
    this.#socket = socket;
    this.#supervisor = supervisor;
  }

  /** Sends a reply (JSON text) through the supervisor's send-buffer cap. */
  send(text: string): void {
    this.#supervisor.send(this.#socket, text);
  }
}

/** Nest's transform of a handler's result into an Observable. */
export type Transform = (data: unknown) => Observable<unknown>;

/** Runs a Nest handler and sends what its Observable emits; settles when it completes (`ws` sockets). */
export function dispatchToNest(
  context: NestSocketContext,
  name: string,
  payload: unknown,
): Promise<void> | undefined {
  const route = context.handlers.get(name);
  if (route === undefined)
    throw new WsGateError('WSGATE_HANDLER_NOT_BOUND', `no handler of "${name}" is bound to this socket`);
  const result = route.transform(route.callback(payload, name));
  return new Promise((resolve, reject) => {
    result.pipe(filter((response) => response !== undefined && response !== null)).subscribe({
      next: (response) => context.send(JSON.stringify(response)),
      error: reject,
      complete: resolve,
    });
  });
}

/**
 * The router of the gateways at one address: every `@SubscribeMessage()` there, validated before
 * Nest's guards and pipes run (its DTO compiled at start-up, no body, or raw), in `codec`'s
 * envelope, then handed to `dispatch` with the socket's context (the `ws` adapter runs the
 * handler bound to the socket; on Socket.IO the socket's listeners do, so nothing is dispatched).
 */
export function createGatewayRouter<Ctx>(
  gate: WsGate,
  codec: EnvelopeCodec,
  handlers: ReadonlyMap<string, GatewayHandler>,
  dispatch: (context: Ctx, name: string, payload: unknown) => unknown,
): MessageRouter<Ctx> {
  const routes: Record<string, MessageRoute<unknown, Ctx>> = {};
  for (const [name, handler] of handlers) {
    routes[name] = {
      validator:
        handler.payload.kind === 'dto'
          ? handler.payload.validator
          : handler.payload.kind === 'empty'
            ? emptyPayloadValidator(codec)
            : undefined,
      handle: (payload, context) => dispatch(context, name, payload),
    };
  }
  return gate.createRouter(routes, codec);
}

/** Adds a gateway's handlers to a socket's context (a socket may serve several gateways on one path). */
export function bindHandlers(
  context: NestSocketContext,
  handlers: readonly MessageMappingProperties[],
  transform: Transform,
  warn: (message: string) => void,
): void {
  for (const handler of handlers) {
    if (typeof handler.message !== 'string') {
      warn(
        `@SubscribeMessage patterns must be strings to be routed; ${String(handler.methodName)} is ignored`,
      );
      continue;
    }
    context.handlers.set(handler.message, { callback: handler.callback, transform });
  }
}

// One listener for every socket: `ws` calls it with the socket as `this`.
function onNestException(this: object, payload: unknown): void {
  sendSocketError(this, errorForEmittedPayload(payload));
}

/**
 * Nest's default exception filter only emits a local `exception` event on a raw `ws` socket:
 * send it to the client as an error in the socket's envelope, through the socket's record
 * (nestjs/nest#9056).
 */
export function forwardNestExceptions(client: {
  on(event: 'exception', listener: (this: object, payload: unknown) => void): unknown;
}): void {
  client.on('exception', onNestException);
}
