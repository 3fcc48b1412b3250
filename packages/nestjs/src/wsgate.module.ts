import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { TicketClaims } from '@wsgate/core';
import { createTicketController } from './ticket.controller.js';
import { TicketService } from './ticket.service.js';
import { TicketStore, WSGATE_CONFIG, WSGATE_OPTIONS, WSGATE_TICKET_THROTTLER, WsGate } from './tokens.js';
import {
  resolveTicketRoutePath,
  resolveWsGateModuleOptions,
  ticketStoreFromOptions,
  type WsGateModuleAsyncOptions,
  type WsGateModuleConfig,
  type WsGateModuleOptions,
} from './wsgate-options.js';
import { WsGateService } from './wsgate.service.js';

type AnyModuleOptions = WsGateModuleOptions<TicketClaims, never>;

function coreProviders(declaredRoutePath: string | undefined): Provider[] {
  const providers: Provider[] = [
    {
      provide: TicketStore,
      useFactory: (options: AnyModuleOptions): TicketStore | null => ticketStoreFromOptions(options),
      inject: [WSGATE_OPTIONS],
    },
    {
      provide: WSGATE_CONFIG,
      useFactory: (options: AnyModuleOptions, store: TicketStore | null): WsGateModuleConfig =>
        resolveWsGateModuleOptions(options, store, declaredRoutePath),
      inject: [WSGATE_OPTIONS, TicketStore],
    },
    { provide: WsGate, useFactory: (config: WsGateModuleConfig) => config.gate, inject: [WSGATE_CONFIG] },
    WsGateService,
    TicketService,
  ];
  if (declaredRoutePath !== undefined) {
    providers.push({
      provide: WSGATE_TICKET_THROTTLER,
      // Share the application's throttler storage when it has one (e.g. a Redis storage).
      useFactory: (shared: ThrottlerStorage | undefined) => shared ?? new ThrottlerStorageService(),
      inject: [{ token: ThrottlerStorage, optional: true }],
    });
  }
  return providers;
}

function dynamicModule(
  optionsProvider: Provider,
  declaredRoutePath: string | undefined,
  imports: DynamicModule['imports'],
): DynamicModule {
  return {
    module: WsGateModule,
    global: true,
    imports: imports ?? [],
    providers: [optionsProvider, ...coreProviders(declaredRoutePath)],
    controllers: declaredRoutePath === undefined ? [] : [createTicketController(declaredRoutePath)],
    exports: [WSGATE_OPTIONS, TicketStore, WsGate, WsGateService, TicketService],
  };
}

/**
 * The @wsgate module: builds the core gate once at start-up from its options (a bad option
 * fails the boot with `WsGateConfigError`), provides `WsGateService`, `TicketService` and the
 * `WsGate` / `TicketStore` / `WSGATE_OPTIONS` tokens globally, and optionally registers the
 * ready-made ticket route. Serve gateways with `WsGateAdapter`.
 *
 * @example
 * @Module({ imports: [WsGateModule.forRoot({ origins: { allow: ['https://app.example.com'] } })] })
 * export class AppModule {}
 * // main.ts
 * app.useWebSocketAdapter(new WsGateAdapter(app));
 */
@Global()
@Module({})
export class WsGateModule {
  /** Registers the module with static options. */
  static forRoot<TClaims extends TicketClaims = TicketClaims, TRequest = unknown>(
    options: WsGateModuleOptions<TClaims, TRequest>,
  ): DynamicModule {
    const declaredRoutePath =
      options !== null && typeof options === 'object' && options.ticketRoute !== undefined
        ? resolveTicketRoutePath(options.ticketRoute.path)
        : undefined;
    return dynamicModule({ provide: WSGATE_OPTIONS, useValue: options }, declaredRoutePath, []);
  }

  /**
   * Registers the module with options built by a factory (from `ConfigService`, a secrets
   * manager, ...). `ticketRoute: { path }` registers the ready-made ticket route, whose
   * `authenticate` then comes from the factory's options.
   */
  static forRootAsync<TClaims extends TicketClaims = TicketClaims, TRequest = unknown>(
    options: WsGateModuleAsyncOptions<TClaims, TRequest>,
  ): DynamicModule {
    const declaredRoutePath =
      options.ticketRoute === undefined ? undefined : resolveTicketRoutePath(options.ticketRoute.path);
    const optionsProvider: Provider = {
      provide: WSGATE_OPTIONS,
      useFactory: options.useFactory as (...args: unknown[]) => WsGateModuleOptions<TClaims, TRequest>,
      inject: options.inject ?? [],
    };
    return dynamicModule(optionsProvider, declaredRoutePath, options.imports);
  }
}
