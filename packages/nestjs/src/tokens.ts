import type { TicketClaims, TicketStore as CoreTicketStore, WsGate as CoreWsGate } from '@wsgate/core';

/**
 * Injection token of the options given to `WsGateModule.forRoot` (or returned by the
 * `forRootAsync` factory), as given.
 *
 * @example
 * constructor(@Inject(WSGATE_OPTIONS) options: WsGateModuleOptions) {}
 */
export const WSGATE_OPTIONS: unique symbol = Symbol('WSGATE_OPTIONS');

/**
 * The ticket store interface of `@wsgate/core`, re-exported so that the injection token of the
 * same name can be used as a type too.
 */
export type TicketStore = CoreTicketStore;

/**
 * Injection token of the {@link TicketStore} the module's ticket service uses: `tickets.store`
 * from the options, else a `MemoryTicketStore` (the default provider). Override it in tests
 * with `overrideProvider(TicketStore)`. Resolves to `null` when `tickets` is a ready ticket
 * service (its store is then its own business).
 *
 * @example
 * constructor(@Inject(TicketStore) store: TicketStore) {}
 */
export const TicketStore: unique symbol = Symbol('TicketStore');

/** The compiled gate of `@wsgate/core` (`createWsGate`), re-exported for the token of the same name. */
export type WsGate<TClaims extends TicketClaims = TicketClaims> = CoreWsGate<TClaims>;

/**
 * Injection token of the {@link WsGate} built once at start-up from the module options:
 * ticket service, Origin and transport policy, handshake authorizer, connection registry.
 *
 * @example
 * constructor(@Inject(WsGate) gate: WsGate) {}
 */
export const WsGate: unique symbol = Symbol('WsGate');

/** @internal The resolved, frozen module configuration (see `resolveWsGateModuleOptions`). */
export const WSGATE_CONFIG: unique symbol = Symbol('WSGATE_CONFIG');

/** @internal The throttler storage of the ready-made ticket route. */
export const WSGATE_TICKET_THROTTLER: unique symbol = Symbol('WSGATE_TICKET_THROTTLER');

/** @internal The gateway routes, read from Nest's metadata at start-up. */
export const WSGATE_GATEWAY_ROUTES: unique symbol = Symbol('WSGATE_GATEWAY_ROUTES');
