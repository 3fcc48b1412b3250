import { WsGateError } from './errors.js';
import type { WsGateMeter } from './meter.js';
import type { TicketRefusalReason } from './ticket-service.js';

/** A ticket store operation, as the `wsgate.ticket_store.operation` attribute names it. */
export type TicketStoreOperation = 'put' | 'take';

/** The ticket service's instruments (no-ops without a meter). */
export interface TicketMetrics {
  /** Whether a meter records anything (skip timing work when not). */
  readonly enabled: boolean;
  issued(): void;
  redeemed(): void;
  refused(reason: TicketRefusalReason): void;
  /** One store operation took `seconds`; `error` is what it rejected with, if it did. */
  storeOperation(operation: TicketStoreOperation, seconds: number, error?: unknown): void;
}

/** Bucket boundaries of store durations, in seconds: 0.1 ms to 2.5 s (a store's deadline is about 1 s). */
const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

const NO_TICKET_METRICS: TicketMetrics = Object.freeze({
  enabled: false,
  issued: () => undefined,
  redeemed: () => undefined,
  refused: () => undefined,
  storeOperation: () => undefined,
});

/**
 * Creates the instruments of the ticket service on `meter`: `wsgate.tickets.issued`,
 * `wsgate.tickets.redeemed`, `wsgate.tickets.refused` (by `wsgate.refusal.reason`) and the
 * histogram `wsgate.ticket_store.operation.duration` (seconds, by `wsgate.ticket_store.name`
 * and `wsgate.ticket_store.operation`, with `error.type` on a failed operation).
 */
export function createTicketMetrics(meter: WsGateMeter | undefined, storeName: string): TicketMetrics {
  if (meter === undefined) return NO_TICKET_METRICS;
  const issued = meter.createCounter('wsgate.tickets.issued', {
    description: 'Tickets issued',
    unit: '{ticket}',
  });
  const redeemed = meter.createCounter('wsgate.tickets.redeemed', {
    description: 'Tickets presented and redeemed (taken from the store, bindings and expiry checked)',
    unit: '{ticket}',
  });
  const refused = meter.createCounter('wsgate.tickets.refused', {
    description: 'Tickets presented and refused, by reason',
    unit: '{ticket}',
  });
  const duration = meter.createHistogram('wsgate.ticket_store.operation.duration', {
    description: 'Duration of ticket store operations',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  return Object.freeze({
    enabled: true,
    issued: () => issued.add(1),
    redeemed: () => redeemed.add(1),
    refused: (reason: TicketRefusalReason) => refused.add(1, { 'wsgate.refusal.reason': reason }),
    storeOperation(operation: TicketStoreOperation, seconds: number, error?: unknown) {
      const attributes: Record<string, string> = {
        'wsgate.ticket_store.name': storeName,
        'wsgate.ticket_store.operation': operation,
      };
      if (error !== undefined)
        attributes['error.type'] = error instanceof WsGateError ? error.code : 'UNKNOWN';
      duration.record(seconds, attributes);
    },
  });
}
