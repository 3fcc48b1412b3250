// The samples' metrics: @wsgate's instruments on an OpenTelemetry MeterProvider, read in
// Prometheus text format from the app's own `GET /metrics` route (the exporter never opens a
// port of its own), by loopback clients only unless METRICS says otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { normalizeIp, type WsGateMeter } from '@wsgate/core';
import type { MetricsAccess } from './demo-config.js';

/** Whether `address` (a TCP peer address) is a loopback address: 127.0.0.0/8 or ::1. */
export function isLoopback(address: string | undefined): boolean {
  const ip = normalizeIp(address);
  return ip !== undefined && (ip === '::1' || ip.startsWith('127.'));
}

/** A sample's metrics: the meter to hand to @wsgate, and the `GET /metrics` answer. */
export class DemoMetrics {
  /** The meter of the gate (`meter` option), or `undefined` with `METRICS=off`. */
  readonly meter: WsGateMeter | undefined;
  private readonly provider: MeterProvider | undefined;
  private readonly exporter: PrometheusExporter | undefined;

  constructor(private readonly access: MetricsAccess) {
    if (access === 'off') return;
    this.exporter = new PrometheusExporter({ preventServerStart: true });
    this.provider = new MeterProvider({ readers: [this.exporter] });
    this.meter = this.provider.getMeter('wsgate');
  }

  /**
   * Whether a request from the TCP peer `remoteAddress` may read the metrics: never with
   * `METRICS=off`, loopback peers only with `loopback` (the default; proxy headers are not
   * trusted here), anyone with `public`. Answer the others 404 as any unknown path.
   */
  allows(remoteAddress: string | undefined): boolean {
    if (this.exporter === undefined) return false;
    return this.access === 'public' || isLoopback(remoteAddress);
  }

  /** Writes the current metrics, in Prometheus text format, as the whole response. */
  serve(request: IncomingMessage, response: ServerResponse): void {
    if (this.exporter === undefined) throw new TypeError('metrics are off');
    response.setHeader('cache-control', 'no-store');
    this.exporter.getMetricsRequestHandler(request, response);
  }

  /** Stops the meter provider. */
  async close(): Promise<void> {
    await this.provider?.shutdown();
  }
}
