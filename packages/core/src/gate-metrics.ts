import type { WsGateMeter } from './meter.js';

/** The gate's instruments (no-ops without a meter): recorded in core, so every adapter has them. */
export interface GateMetrics {
  upgradeAccepted(): void;
  upgradeRefused(code: string, reason: string): void;
  ticketRequestRefused(status: number, code: string): void;
  messageRefused(code: string | number): void;
  closed(code: number): void;
  revoked(kind: 'session' | 'subject', closed: number): void;
}

/** What the gauge of open connections reads. */
export interface GateMetricsSource {
  /** `wsgate.adapter` of the gauge: the adapter serving this gate. */
  readonly adapter: string;
  /** Open connections now. */
  openConnections(): number;
}

const NO_GATE_METRICS: GateMetrics = Object.freeze({
  upgradeAccepted: () => undefined,
  upgradeRefused: () => undefined,
  ticketRequestRefused: () => undefined,
  messageRefused: () => undefined,
  closed: () => undefined,
  revoked: () => undefined,
});

/**
 * Creates the gate's instruments on `meter` (see docs/operations.md for the list):
 * `wsgate.upgrades.accepted`, `wsgate.upgrades.refused` (by `wsgate.refusal.code` and
 * `wsgate.refusal.reason`), `wsgate.ticket_requests.refused` (by `wsgate.refusal.code` and
 * `http.response.status_code`), `wsgate.messages.refused` (by `wsgate.refusal.code`: an error
 * code, or the close code of a frame that closed its socket), `wsgate.connections.closed` (by
 * `wsgate.close.code`), `wsgate.revocations` (connections closed by a revocation, by
 * `wsgate.revocation.kind`) and the gauge
 * `wsgate.connections.open` (by `wsgate.adapter`).
 */
export function createGateMetrics(meter: WsGateMeter | undefined, source: GateMetricsSource): GateMetrics {
  if (meter === undefined) return NO_GATE_METRICS;
  const accepted = meter.createCounter('wsgate.upgrades.accepted', {
    description: 'WebSocket upgrades accepted (sockets admitted)',
    unit: '{upgrade}',
  });
  const refused = meter.createCounter('wsgate.upgrades.refused', {
    description: 'WebSocket upgrades refused, by code and reason',
    unit: '{upgrade}',
  });
  const ticketRequests = meter.createCounter('wsgate.ticket_requests.refused', {
    description: 'Ticket requests refused, by code and HTTP status',
    unit: '{request}',
  });
  const messages = meter.createCounter('wsgate.messages.refused', {
    description:
      'Inbound messages refused, by error code (or the close code of a frame that closed its socket)',
    unit: '{message}',
  });
  const closes = meter.createCounter('wsgate.connections.closed', {
    description: 'Admitted connections closed, by close code',
    unit: '{connection}',
  });
  const revocations = meter.createCounter('wsgate.revocations', {
    description: 'Connections closed on this instance by a revocation (logout, account action), by kind',
    unit: '{connection}',
  });
  meter
    .createObservableGauge('wsgate.connections.open', {
      description: 'Open authenticated connections on this instance',
      unit: '{connection}',
    })
    .addCallback((observation) =>
      observation.observe(source.openConnections(), { 'wsgate.adapter': source.adapter }),
    );
  return Object.freeze({
    upgradeAccepted: () => accepted.add(1),
    upgradeRefused: (code: string, reason: string) =>
      refused.add(1, { 'wsgate.refusal.code': code, 'wsgate.refusal.reason': reason }),
    ticketRequestRefused: (status: number, code: string) =>
      ticketRequests.add(1, { 'wsgate.refusal.code': code, 'http.response.status_code': status }),
    messageRefused: (code: string | number) => messages.add(1, { 'wsgate.refusal.code': String(code) }),
    closed: (code: number) => closes.add(1, { 'wsgate.close.code': code }),
    revoked(kind: 'session' | 'subject', closed: number) {
      if (closed > 0) revocations.add(closed, { 'wsgate.revocation.kind': kind });
    },
  });
}
