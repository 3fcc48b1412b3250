import { Global, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { WsGateConfigError, type TicketClaims } from '@wsgate/core';
import { GatewayRoutes, isGateway } from './gateway-routes.js';
import { createTicketController } from './ticket.controller.js';
import { TicketService } from './ticket.service.js';
import {
  TicketStore,
  WSGATE_CONFIG,
  WSGATE_GATEWAY_ROUTES,
  WSGATE_OPTIONS,
  WSGATE_TICKET_THROTTLER,
  WsGate,
} from './tokens.js';
import {
  declaredRoutePath,
  resolveWsGateModuleOptions,
  ticketStoreFromOptions,
  type WsGateModuleAsyncOptions,
  type WsGateModuleConfig,
  type WsGateModuleOptions,
  type WsGateOptionsFactory,
} from './wsgate-options.js';
import { WsGateService } from './wsgate.service.js';

type AnyModuleOptions = WsGateModuleOptions<TicketClaims, never>;

function coreProviders(routePath: string | undefined): Provider[] {
  return [
    { provide: TicketStore, useFactory: ticketStoreFromOptions, inject: [WSGATE_OPTIONS] },
    {
      // Share the application's throttler storage when it has one (e.g. a Redis storage).
      provide: WSGATE_TICKET_THROTTLER,
      useFactory: (shared: ThrottlerStorage | undefined) => shared ?? new ThrottlerStorageService(),
      inject: [{ token: ThrottlerStorage, optional: true }],
    },
    {
      provide: WSGATE_CONFIG,
      useFactory: (options: AnyModuleOptions, store: TicketStore | null, throttler: ThrottlerStorage) =>
        resolveWsGateModuleOptions(options, store, throttler, routePath),
      inject: [WSGATE_OPTIONS, TicketStore, WSGATE_TICKET_THROTTLER],
    },
    { provide: WsGate, useFactory: (config: WsGateModuleConfig) => config.gate, inject: [WSGATE_CONFIG] },
    {
      // Every gateway handler, compiled at start-up: a handler whose body cannot be validated fails the boot.
      provide: WSGATE_GATEWAY_ROUTES,
      useFactory: (discovery: DiscoveryService) =>
        new GatewayRoutes(
          discovery
            .getProviders()
            .map((wrapper) => wrapper.metatype)
            .filter(isGateway),
        ),
      inject: [DiscoveryService],
    },
    WsGateService,
    TicketService,
  ];
}

function dynamicModule(
  optionsProviders: Provider[],
  routePath: string | undefined,
  imports: DynamicModule['imports'],
): DynamicModule {
  return {
    module: WsGateModule,
    global: true,
    imports: [DiscoveryModule, ...(imports ?? [])],
    providers: [...optionsProviders, ...coreProviders(routePath)],
    controllers: routePath === undefined ? [] : [createTicketController(routePath)],
    exports: [WSGATE_OPTIONS, TicketStore, WsGate, WsGateService, TicketService],
  };
}

function asyncOptionsProviders(options: WsGateModuleAsyncOptions<TicketClaims, unknown>): Provider[] {
  const sources = [options.useFactory, options.useClass, options.useExisting].filter(
    (source) => source !== undefined,
  );
  if (sources.length !== 1)
    throw new WsGateConfigError('forRootAsync needs exactly one of useFactory, useClass or useExisting');
  if (options.useFactory !== undefined)
    return [
      {
        provide: WSGATE_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => unknown,
        inject: options.inject ?? [],
      },
    ];
  const factory = (options.useClass ?? options.useExisting) as Type<WsGateOptionsFactory>;
  return [
    ...(options.useClass === undefined ? [] : [{ provide: factory, useClass: factory }]),
    {
      provide: WSGATE_OPTIONS,
      useFactory: (instance: WsGateOptionsFactory) => instance.createWsGateOptions(),
      inject: [factory],
    },
  ];
}

/**
 * The @wsgate module: builds the core gate once at start-up from its options (a bad option fails
 * the boot with `WsGateConfigError`), compiles every gateway handler's DTO, provides
 * `WsGateService`, `TicketService` and the `WsGate` / `TicketStore` / `WSGATE_OPTIONS` tokens
 * globally, and optionally registers the ready-made ticket route. Serve gateways with
 * `WsGateAdapter`.
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
    const routePath =
      options !== null && typeof options === 'object' ? declaredRoutePath(options.ticketRoute) : undefined;
    return dynamicModule([{ provide: WSGATE_OPTIONS, useValue: options }], routePath, []);
  }

  /**
   * Registers the module with options built by a factory (`useFactory` + `inject`), a class
   * (`useClass`) or an existing provider (`useExisting`) implementing `WsGateOptionsFactory`.
   * `ticketRoute: { path }` registers the ready-made ticket route, whose `authenticate` then comes
   * from the built options.
   */
  static forRootAsync<TClaims extends TicketClaims = TicketClaims, TRequest = unknown>(
    options: WsGateModuleAsyncOptions<TClaims, TRequest>,
  ): DynamicModule {
    return dynamicModule(
      asyncOptionsProviders(options as WsGateModuleAsyncOptions<TicketClaims, unknown>),
      declaredRoutePath(options.ticketRoute),
      options.imports,
    );
  }
}
