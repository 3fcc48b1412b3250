import type { INestApplicationContext } from '@nestjs/common';
import {
  booleanOptions,
  WsGateConfigError,
  type AuditEvent,
  type EnvelopeCodec,
  type MessageRouter,
} from '@wsgate/core';
import { WsGateModuleMissingError } from './errors.js';
import type { GatewayAddress, GatewayHandler, GatewayRoutes } from './gateway-routes.js';
import { createGatewayRouter } from './message-routing.js';
import { WSGATE_CONFIG, WSGATE_GATEWAY_ROUTES } from './tokens.js';
import type { WsGateModuleConfig } from './wsgate-options.js';

/** @internal How an adapter binds its context and its handlers (see `createGatewayRouter`). */
export interface AdapterHooks<Ctx> {
  /** Runs a routed message (or does nothing when the socket's own listeners run it). */
  readonly dispatch: (context: Ctx, name: string, payload: unknown) => unknown;
  /** Writes an audit event the adapter's options let through (the adapter's `audit`). */
  readonly audit: (event: AuditEvent) => void;
}

/**
 * @internal What `WsGateAdapter` and `WsGateIoAdapter` share (by composition: they extend
 * different Nest adapters): their boolean options (`logRefusals` and the adapter's own), read and
 * checked once; the module's configuration, read from the application on first use (the module
 * is built after the adapter); one message router per gateway address; and the audit filter.
 */
export class AdapterBinding<Ctx, K extends string = never> {
  /** The adapter's options, defaulted and validated. */
  readonly options: Readonly<Record<K | 'logRefusals', boolean>>;
  private resolved: WsGateModuleConfig | undefined;
  private readonly routers = new WeakMap<ReadonlyMap<string, GatewayHandler>, MessageRouter<Ctx>>();

  constructor(
    private readonly app: INestApplicationContext,
    private readonly name: string,
    options: unknown,
    defaults: Readonly<Record<K, boolean>>,
    private readonly hooks: AdapterHooks<Ctx>,
  ) {
    this.options = booleanOptions<K | 'logRefusals'>(`${name} options`, options, {
      logRefusals: true,
      ...defaults,
    });
  }

  /** The module's resolved configuration; `WsGateModuleMissingError` without `WsGateModule`. */
  get config(): WsGateModuleConfig {
    if (this.resolved === undefined) {
      try {
        this.resolved = this.app.get<symbol, WsGateModuleConfig>(WSGATE_CONFIG, { strict: false });
      } catch {
        throw new WsGateModuleMissingError(this.name);
      }
    }
    return this.resolved;
  }

  /** The router of the gateways at `address` (one per address), in `codec`'s envelope. */
  routerAt(address: GatewayAddress, codec: EnvelopeCodec): MessageRouter<Ctx> {
    const routes = this.app.get<symbol, GatewayRoutes>(WSGATE_GATEWAY_ROUTES, { strict: false });
    const handlers = routes.handlersAt(address);
    let router = this.routers.get(handlers);
    if (router === undefined) {
      router = createGatewayRouter(this.config.gate, codec, handlers, this.hooks.dispatch);
      this.routers.set(handlers, router);
    }
    return router;
  }

  /** Writes `event` with the adapter's `audit`, unless it is a refused handshake and `logRefusals` is off. */
  readonly report = (event: AuditEvent): void => {
    if (event.event !== 'wsgate.upgrade_refused' || this.options.logRefusals) this.hooks.audit(event);
  };

  /** Runs `build`, naming the adapter in the `WsGateConfigError` it may throw. */
  configured<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      if (error instanceof WsGateConfigError) throw new WsGateConfigError(`${this.name}: ${error.message}`);
      throw error;
    }
  }
}
