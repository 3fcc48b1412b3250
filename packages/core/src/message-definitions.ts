import { WsGateConfigError } from './errors.js';
import type { MessageAccess } from './message-authorization.js';
import type { MessageRoute } from './message-router.js';
import { toValidator, type InferMessage, type MessageSchema } from './message-schema.js';

/**
 * One message type as an app declares it: its schema, who may send it, its handler. Adapters
 * fix `Ctx` (what a handler gets besides the message) and offer a typed `defineMessages`.
 */
export interface MessageDefinition<
  S extends MessageSchema = MessageSchema,
  Ctx = unknown,
> extends MessageAccess {
  /**
   * The message's schema: a TypeBox / JSON Schema object (objects closed: unknown properties
   * refused), a Standard Schema (Zod, Valibot, ArkType: synchronous, unknown keys refused), or a
   * `Validator`.
   */
  readonly schema: S;
  /**
   * Handles a valid, authorized message. A returned value (or what a returned promise resolves
   * to) other than `undefined` is sent back; a thrown `MessageRejection` becomes its error; any
   * other throw becomes `INTERNAL_ERROR` (logged, never sent).
   */
  handler(message: InferMessage<S>, context: Ctx): unknown;
}

/** Message definitions by name. */
export type MessageDefinitions<Ctx> = Readonly<Record<string, MessageDefinition<MessageSchema, Ctx>>>;

/**
 * Compiles message definitions into router routes, each schema once. Throws `WsGateConfigError`
 * naming the message for a definition without a handler or with something that is not a schema,
 * so that a route fails when it is declared, not when a message arrives.
 */
export function compileMessageDefinitions<Ctx>(
  definitions: MessageDefinitions<Ctx>,
): Readonly<Record<string, MessageRoute<unknown, Ctx>>> {
  if (definitions === null || typeof definitions !== 'object' || Array.isArray(definitions))
    throw new WsGateConfigError('messages must map message names to { schema, handler }');
  const routes: Record<string, MessageRoute<unknown, Ctx>> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition === null || typeof definition !== 'object')
      throw new WsGateConfigError(`message "${name}" must be { schema, handler }`);
    if (typeof definition.handler !== 'function')
      throw new WsGateConfigError(`message "${name}" has no handler`);
    if (definition.schema === undefined) throw new WsGateConfigError(`message "${name}" has no schema`);
    routes[name] = {
      validator: toValidator(definition.schema, name),
      roles: definition.roles,
      claims: definition.claims,
      handle: (message, context) => definition.handler(message as never, context),
    };
  }
  return Object.freeze(routes);
}
