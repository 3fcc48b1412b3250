import { systemClock, type Clock } from './clock.js';
import { DEFAULTS } from './defaults.js';
import { TicketKeyExistsError, WsGateConfigError } from './errors.js';
import { booleanOption, optionsObject, positiveInteger } from './option-checks.js';
import { normalizeIp, sameClientAddress, type IpPrefixBinding } from './ip-address.js';
import { MemoryTicketStore } from './memory-ticket-store.js';
import { normalizeOrigin } from './origin.js';
import type { WsGateMeter } from './meter.js';
import { generateTicket, isWellFormedTicket, ticketKey } from './ticket-codec.js';
import { createTicketMetrics, type TicketMetrics, type TicketStoreOperation } from './ticket-metrics.js';
import { releaseSlot, type ConnectionSlotStore, type SlotAcquisition } from './connection-slot-store.js';
import type { SlotClaim, TicketClaims, TicketRecord, TicketStore } from './ticket-store.js';

/** Options of {@link createTicketService}. */
export interface TicketServiceOptions {
  /** Where outstanding tickets live. @default new MemoryTicketStore() */
  store?: TicketStore;
  /** Ticket lifetime in ms. Keep it short: the client fetches one right before connecting. @default 30_000 */
  ttlMs?: number;
  /**
   * Bind the ticket to the address that asked for it: `true` (exact address), `false`, or a
   * prefix binding for clients whose address shifts within a network.
   * @default true
   */
  bindIp?: boolean | IpPrefixBinding;
  /** Bind the ticket to the Origin of the request that asked for it (when it had one). @default true */
  bindOrigin?: boolean;
  /** Time source, for tests. @default Date.now */
  clock?: Clock;
  /**
   * Records ticket metrics on this OpenTelemetry `Meter`: tickets issued, redeemed and refused
   * (by reason), and the duration of store operations. `createWsGate` passes its own `meter`.
   * @default undefined (no metrics)
   */
  meter?: WsGateMeter;
}

/** Who a ticket was issued to. */
export interface IssueTicketInput<TClaims extends TicketClaims = TicketClaims> {
  /** The authenticated user (id). */
  subject: string;
  /** The user's session, so that a logout can revoke the sockets opened from it. */
  sessionId?: string | undefined;
  /** Claims the WebSocket handler will see (roles, tenant, ...). */
  claims?: TClaims | undefined;
  /** Address of the client asking for the ticket. */
  ip: string | undefined;
  /** `Origin` header of the request asking for the ticket, if any. */
  origin?: string | undefined;
}

/** A freshly issued ticket. */
export interface IssuedTicket {
  /** The ticket: 43 characters of base64url. Give it to the client, never log it. */
  readonly ticket: string;
  /** Expiry, epoch ms. */
  readonly expiresAt: number;
}

/** The identity a redeemed ticket carries into the WebSocket connection. */
export interface Principal<TClaims extends TicketClaims = TicketClaims> {
  readonly subject: string;
  readonly sessionId: string | undefined;
  readonly claims: TClaims;
  /** When the ticket was issued, epoch ms. */
  readonly issuedAt: number;
}

/** Why a ticket was not redeemed. */
export type TicketRefusalReason =
  'missing' | 'malformed' | 'unknown' | 'expired' | 'ip_mismatch' | 'origin_mismatch';

/** Result of {@link TicketService.redeem}. */
export type RedeemResult<TClaims extends TicketClaims = TicketClaims> =
  | {
      readonly ok: true;
      readonly principal: Principal<TClaims>;
      /** The connection slot taken with the ticket, when `redeem` was given a claim and the store could. */
      readonly slot?: SlotAcquisition | undefined;
    }
  | { readonly ok: false; readonly reason: TicketRefusalReason };

/** Where a ticket is being presented from. */
export interface RedeemContext {
  /** Address of the client presenting the ticket (normalised or not). */
  ip: string | undefined;
  /** `Origin` header of the upgrade request, if any. */
  origin?: string | undefined;
}

/** Issues and redeems single-use WebSocket tickets. */
export interface TicketService<TClaims extends TicketClaims = TicketClaims> {
  /** Issues a ticket. Rejects with a `WsGateError` (503) when the store cannot take it. */
  issue(input: IssueTicketInput<TClaims>): Promise<IssuedTicket>;
  /**
   * Redeems a ticket exactly once. Any presentation that reaches the store burns the ticket,
   * including one refused for its IP or Origin binding. Rejects only on store faults.
   *
   * With a `claim` and a store that folds slots (`slotStore` is set), the store takes a
   * connection slot of `slotStore` in the same operation: the result says whether (`slot`), and a
   * refused redeem gives a slot it took back.
   */
  redeem(
    ticket: string | undefined,
    context: RedeemContext,
    claim?: SlotClaim,
  ): Promise<RedeemResult<TClaims>>;
  /** The slot store whose slots `redeem` takes with a ticket (`TicketStore.slotStore`), if the store can. */
  readonly slotStore?: ConnectionSlotStore | undefined;
  /** Closes the store. */
  close(): Promise<void>;
}

interface TicketServiceConfig {
  readonly store: TicketStore;
  readonly ttlMs: number;
  readonly ipBinding: Required<IpPrefixBinding> | undefined;
  readonly bindOrigin: boolean;
  readonly clock: Clock;
  readonly metrics: TicketMetrics;
}

function resolveIpBinding(bindIp: boolean | IpPrefixBinding): Required<IpPrefixBinding> | undefined {
  if (bindIp === false) return undefined;
  if (bindIp === true) return { v4Prefix: 32, v6Prefix: 128 };
  const v4Prefix = bindIp.v4Prefix ?? 32;
  const v6Prefix = bindIp.v6Prefix ?? 128;
  if (!Number.isInteger(v4Prefix) || v4Prefix < 0 || v4Prefix > 32)
    throw new WsGateConfigError('bindIp.v4Prefix must be 0-32');
  if (!Number.isInteger(v6Prefix) || v6Prefix < 0 || v6Prefix > 128)
    throw new WsGateConfigError('bindIp.v6Prefix must be 0-128');
  return { v4Prefix, v6Prefix };
}

/**
 * The store a ticket service built from `options` uses: `options.store`, else a new
 * `MemoryTicketStore` on `options.clock`. An adapter that provides the store itself (NestJS's
 * `TicketStore` token) builds it with this, so that the default is decided in one place.
 *
 * @example
 * const store = ticketStoreOf(options.tickets); // then createWsGate({ ..., tickets: { ...options.tickets, store } })
 */
export function ticketStoreOf(options: TicketServiceOptions | undefined): TicketStore {
  return options?.store ?? new MemoryTicketStore({ clock: options?.clock });
}

/** Whether `value` is a built {@link TicketService} (`createWsGate`'s `tickets` may be one, or its options). */
export function isTicketService<TClaims extends TicketClaims = TicketClaims>(
  value: unknown,
): value is TicketService<TClaims> {
  return value !== null && typeof value === 'object' && typeof (value as TicketService).redeem === 'function';
}

function resolveTicketServiceOptions(input: TicketServiceOptions | undefined): TicketServiceConfig {
  const options = optionsObject('tickets', input);
  const ttlMs = positiveInteger('tickets.ttlMs', options.ttlMs, DEFAULTS.ticketTtlMs);
  const bindIp = options.bindIp ?? true;
  if (typeof bindIp !== 'boolean' && (bindIp === null || typeof bindIp !== 'object')) {
    throw new WsGateConfigError('bindIp must be a boolean or { v4Prefix, v6Prefix }');
  }
  const store = ticketStoreOf(options);
  if (
    typeof store.put !== 'function' ||
    typeof store.take !== 'function' ||
    typeof store.close !== 'function'
  ) {
    throw new WsGateConfigError('store must implement TicketStore (put, take, close)');
  }
  const meter = options.meter;
  if (meter !== undefined && (meter === null || typeof meter.createCounter !== 'function'))
    throw new WsGateConfigError('tickets.meter must be an OpenTelemetry Meter');
  return Object.freeze({
    store,
    ttlMs,
    ipBinding: resolveIpBinding(bindIp),
    bindOrigin: booleanOption('tickets.bindOrigin', options.bindOrigin, true),
    clock: options.clock ?? systemClock,
    metrics: createTicketMetrics(meter, typeof store.name === 'string' ? store.name : 'custom'),
  });
}

/** Runs one store operation, timed into `metrics` when they are on (else just runs it). */
function measured<T>(
  metrics: TicketMetrics,
  operation: TicketStoreOperation,
  run: () => Promise<T>,
): Promise<T> {
  return metrics.enabled ? timed(metrics, operation, run) : run();
}

async function timed<T>(
  metrics: TicketMetrics,
  operation: TicketStoreOperation,
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    metrics.storeOperation(operation, (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    metrics.storeOperation(operation, (performance.now() - started) / 1000, error);
    throw error;
  }
}

function isStringOrUndefined(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

/**
 * Creates the ticket service: short-lived, single-use, unguessable tickets bound to a user,
 * the client address and the requesting Origin.
 *
 * @example
 * const tickets = createTicketService({ ttlMs: 30_000 });
 * const { ticket } = await tickets.issue({ subject: 'alice', sessionId, ip: request.ip, origin: request.headers.origin });
 * // ... later, in the upgrade:
 * const result = await tickets.redeem(ticket, { ip, origin });
 */
export function createTicketService<TClaims extends TicketClaims = TicketClaims>(
  options: TicketServiceOptions = {},
): TicketService<TClaims> {
  const config = resolveTicketServiceOptions(options);
  const { store, clock, metrics } = config;

  async function issue(input: IssueTicketInput<TClaims>): Promise<IssuedTicket> {
    if (
      input === null ||
      typeof input !== 'object' ||
      typeof input.subject !== 'string' ||
      input.subject === ''
    ) {
      throw new WsGateConfigError('issue() needs a non-empty subject');
    }
    if (
      !isStringOrUndefined(input.sessionId) ||
      !isStringOrUndefined(input.ip) ||
      !isStringOrUndefined(input.origin)
    ) {
      throw new WsGateConfigError('issue(): sessionId, ip and origin must be strings when given');
    }
    const boundOrigin =
      config.bindOrigin && input.origin !== undefined ? normalizeOrigin(input.origin) : undefined;
    if (config.bindOrigin && input.origin !== undefined && boundOrigin === undefined) {
      // Fail closed: an origin that cannot be bound must not silently yield an unbound ticket.
      throw new WsGateConfigError(
        'issue(): origin is not a valid serialised origin (pass undefined for none)',
      );
    }
    const boundIp = config.ipBinding === undefined ? undefined : normalizeIp(input.ip);
    if (config.ipBinding !== undefined && boundIp === undefined) {
      throw new WsGateConfigError('issue(): a valid client ip is required while bindIp is on');
    }
    const issuedAt = clock();
    const record: TicketRecord = {
      v: 1,
      subject: input.subject,
      sessionId: input.sessionId,
      claims: input.claims,
      ip: boundIp,
      origin: boundOrigin,
      issuedAt,
      expiresAt: issuedAt + config.ttlMs,
    };
    // A collision of 256 random bits does not happen; retrying keeps `put`'s refusal honest anyway.
    for (let attempt = 0; ; attempt += 1) {
      const ticket = generateTicket();
      try {
        await measured(metrics, 'put', () => store.put(ticketKey(ticket), record, config.ttlMs));
        metrics.issued();
        return { ticket, expiresAt: record.expiresAt };
      } catch (error) {
        if (!(error instanceof TicketKeyExistsError) || attempt >= 2) throw error;
      }
    }
  }

  const foldsSlots = typeof store.takeWithSlot === 'function' && store.slotStore !== undefined;

  async function redeem(
    ticket: string | undefined,
    context: RedeemContext,
    claim?: SlotClaim,
  ): Promise<RedeemResult<TClaims>> {
    if (ticket === undefined || ticket === '') return refused('missing');
    if (typeof ticket !== 'string' || !isWellFormedTicket(ticket)) return refused('malformed');
    const key = ticketKey(ticket);
    // Takes the record (and, with a claim, a slot in the same store operation): one await.
    let record: TicketRecord | undefined;
    let slot: SlotAcquisition | undefined;
    const slotClaim = foldsSlots ? claim : undefined;
    if (slotClaim === undefined || store.takeWithSlot === undefined) {
      record = await measured(metrics, 'take', () => store.take(key));
    } else {
      const { takeWithSlot } = store;
      ({ record, slot } = await measured(metrics, 'take', () => takeWithSlot.call(store, key, slotClaim)));
    }
    if (record === undefined) return refused('unknown');
    const checked = checkRecord(record, context);
    if (checked !== undefined) {
      // Refused after the store took a slot with the ticket: give it back.
      if (slot?.ok === true)
        releaseSlot(store.slotStore, { subject: record.subject, address: slotClaim?.address });
      return refused(checked);
    }
    metrics.redeemed();
    return {
      ok: true,
      principal: {
        subject: record.subject,
        sessionId: record.sessionId,
        claims: (record.claims ?? {}) as TClaims,
        issuedAt: record.issuedAt,
      },
      ...(slot === undefined ? {} : { slot }),
    };
  }

  /** A refusal, counted in the metrics. */
  function refused(reason: TicketRefusalReason): Extract<RedeemResult<TClaims>, { ok: false }> {
    metrics.refused(reason);
    return { ok: false, reason };
  }

  /** Why a taken record is refused (expired, bound elsewhere), or `undefined` when it is valid. */
  function checkRecord(record: TicketRecord, context: RedeemContext): TicketRefusalReason | undefined {
    if (clock() >= record.expiresAt) return 'expired';
    if (config.ipBinding !== undefined && record.ip !== undefined) {
      const presentedIp = normalizeIp(context.ip);
      if (presentedIp === undefined || !sameClientAddress(record.ip, presentedIp, config.ipBinding)) {
        return 'ip_mismatch';
      }
    }
    if (config.bindOrigin && record.origin !== undefined) {
      const presentedOrigin = context.origin === undefined ? undefined : normalizeOrigin(context.origin);
      if (presentedOrigin !== record.origin) return 'origin_mismatch';
    }
    return undefined;
  }

  return Object.freeze({
    issue,
    redeem,
    slotStore: foldsSlots ? store.slotStore : undefined,
    close: () => store.close(),
  });
}
