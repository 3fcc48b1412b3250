/**
 * The part of the OpenTelemetry metrics API that @wsgate uses, typed structurally: an
 * OpenTelemetry `Meter` (`@opentelemetry/api` ≥ 1.9, e.g. `metrics.getMeter('wsgate')` or
 * `meterProvider.getMeter('wsgate')`) fits, and @wsgate imports nothing from OpenTelemetry,
 * so metrics cost nothing and add no dependency when no meter is given.
 */

/** Attributes of one measurement (Prometheus labels). */
export type MetricAttributes = Readonly<Record<string, string | number | boolean>>;

/** Description and unit of an instrument (`MetricOptions` of OpenTelemetry). */
export interface MetricInstrumentOptions {
  readonly description?: string;
  /** UCUM unit (`s`, `By`) or an annotation in braces (`{connection}`). */
  readonly unit?: string;
  /** Bucket boundaries a histogram should use, unless a view says otherwise. */
  readonly advice?: { readonly explicitBucketBoundaries?: number[] };
}

/** A counter: a value that only grows. */
export interface MetricCounter {
  add(value: number, attributes?: MetricAttributes): void;
}

/** A histogram: a distribution of recorded values. */
export interface MetricHistogram {
  record(value: number, attributes?: MetricAttributes): void;
}

/** What a gauge's callback reports its current values to. */
export interface MetricObservation {
  observe(value: number, attributes?: MetricAttributes): void;
}

/** A gauge read at collection time, through its callbacks. */
export interface MetricObservableGauge {
  addCallback(callback: (observation: MetricObservation) => void): void;
}

/**
 * What @wsgate needs of a meter: an OpenTelemetry `Meter` fits.
 *
 * @example
 * import { metrics } from '@opentelemetry/api';
 * createWsGate({ origins, meter: metrics.getMeter('wsgate') });
 */
export interface WsGateMeter {
  createCounter(name: string, options?: MetricInstrumentOptions): MetricCounter;
  createHistogram(name: string, options?: MetricInstrumentOptions): MetricHistogram;
  createObservableGauge(name: string, options?: MetricInstrumentOptions): MetricObservableGauge;
}
