import {
  booleanOption,
  createWsGate,
  optionsObject,
  WsGateConfigError,
  type MessageRouter,
  type WsGate,
  type WsGateOptions,
} from '@wsgate/core';
import { resolveAuditSink, type AuditSink, type LevelLogger } from './audit-log.js';
import { socketIoEnvelope } from './event-envelope.js';
import { isListenerEvents, type ListenerEvents } from './listener-events.js';
import type { SocketIoEventContext, SocketIoEvents, WsGateClaims } from './types.js';

/**
 * Options of {@link wsgateSocketIo}: the core options (or a `gate` built elsewhere), the events
 * clients may send, long-polling, the logger.
 */
export interface WsGateSocketIoOptions extends Omit<WsGateOptions<WsGateClaims>, 'origins' | 'refusal'> {
  /** The Origin allowlist: a compiled policy or its options. Required unless `gate` is given. */
  origins?: WsGateOptions<WsGateClaims>['origins'];
  /**
   * A gate built elsewhere (the NestJS module's), used as it is: then no other core option may
   * be given. Its refusal mode does not apply: Socket.IO handshakes are always refused in HTTP.
   */
  gate?: WsGate<WsGateClaims>;
  /**
   * The events clients may send, by name (see `defineEvents`); every other event is refused.
   * Required: `{}` accepts none. `listenerEvents()` instead hands checked events to the sockets'
   * own listeners (NestJS gateways), which then validate the payloads.
   */
  events: SocketIoEvents | ListenerEvents;
  /**
   * Allow HTTP long-polling besides WebSocket. The Engine.IO session is then bound to the
   * address (and Origin) that redeemed the ticket: a polling request or an upgrade of the
   * session from anywhere else is refused.
   * @default false
   */
  polling?: boolean;
  /** Where audit events go: a level logger (pino, `app.log`) or a function. @default none */
  logger?: LevelLogger | AuditSink;
}

/** The client events, compiled: the router (schemas, access, handlers), or the sockets' listeners. */
export type CompiledEvents =
  | {
      readonly kind: 'handlers';
      readonly router: MessageRouter<SocketIoEventContext>;
      readonly binary: ReadonlySet<string>;
    }
  | {
      readonly kind: 'listeners';
      readonly binary: ReadonlySet<string>;
      readonly resolverOf: ListenerEvents['resolverOf'];
    };

/** The frozen configuration of one secured server. */
export interface SocketIoConfig {
  readonly gate: WsGate<WsGateClaims>;
  /** Whether the gate was built here (then `close()` closes its ticket service). */
  readonly ownsGate: boolean;
  readonly polling: boolean;
  readonly events: CompiledEvents;
  readonly report: AuditSink;
}

function compileEvents(
  gate: WsGate<WsGateClaims>,
  events: SocketIoEvents | ListenerEvents | undefined,
): CompiledEvents {
  if (events === undefined)
    throw new WsGateConfigError('events is required: declare the events clients may send ({} for none)');
  if (isListenerEvents(events))
    return Object.freeze({ kind: 'listeners', binary: events.binary, resolverOf: events.resolverOf });
  const definitions = optionsObject('events', events) as SocketIoEvents;
  const binary = new Set<string>();
  for (const [name, definition] of Object.entries(definitions)) {
    const flag = (definition as { binary?: unknown } | null)?.binary;
    if (booleanOption(`events.${name}.binary`, flag, false)) binary.add(name);
  }
  return Object.freeze({
    kind: 'handlers',
    router: gate.createRouter(definitions, socketIoEnvelope),
    binary,
  });
}

/**
 * Reads, defaults and validates the options once, through core (`createWsGate`,
 * `createRouter`), returning a frozen config. Misconfiguration throws `WsGateConfigError`.
 */
export function resolveSocketIoOptions(options: WsGateSocketIoOptions): SocketIoConfig {
  const {
    gate: given,
    events,
    polling,
    logger,
    ...gateOptions
  } = optionsObject('options', options) as WsGateSocketIoOptions;
  if ((gateOptions as { refusal?: unknown }).refusal === 'close-frame')
    throw new WsGateConfigError(
      "refusal: 'close-frame' does not apply to Socket.IO: handshakes are refused in HTTP",
    );
  if (given !== undefined && Object.values(gateOptions).some((value) => value !== undefined))
    throw new WsGateConfigError(
      `with a gate, pass no other core option (${Object.keys(gateOptions).join(', ')})`,
    );
  const gate =
    given ??
    createWsGate<WsGateClaims>({
      ...gateOptions,
      origins: gateOptions.origins as WsGateOptions<WsGateClaims>['origins'],
    });
  return Object.freeze({
    gate,
    ownsGate: given === undefined,
    polling: booleanOption('polling', polling, false),
    events: compileEvents(gate, events),
    report: resolveAuditSink(logger),
  });
}
