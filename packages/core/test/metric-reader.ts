// A real OpenTelemetry MeterProvider whose metrics the test reads back (not a spec file).
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { WsGateMeter } from '../src/index.js';

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** One data point: a sum's or a gauge's value, or a histogram's count and sum. */
export interface Point {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value: number;
  /** Histograms: the number of recorded values. */
  readonly count?: number;
}

/** A meter of a real SDK, and what it recorded. */
export function testMeter() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  // The SDK's Meter, used as @wsgate's structural WsGateMeter (the assignment is the type check).
  const meter: WsGateMeter = provider.getMeter('wsgate-test');

  async function points(): Promise<Point[]> {
    const { resourceMetrics } = await reader.collect();
    const found: Point[] = [];
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics)
        for (const point of metric.dataPoints) {
          const { name, unit } = metric.descriptor;
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const value = point.value as { count: number; sum?: number };
            found.push({
              name,
              unit,
              attributes: point.attributes,
              value: value.sum ?? 0,
              count: value.count,
            });
          } else found.push({ name, unit, attributes: point.attributes, value: point.value as number });
        }
    return found;
  }

  const same = (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  const find = async (name: string, attributes: Record<string, unknown>) =>
    (await points()).find((candidate) => candidate.name === name && same(candidate.attributes, attributes));

  /** The value of the sum or gauge `name` with exactly `attributes` (0 when nothing was recorded). */
  async function value(name: string, attributes: Record<string, unknown> = {}): Promise<number> {
    return (await find(name, attributes))?.value ?? 0;
  }

  /** How many values the histogram `name` recorded with exactly `attributes`. */
  async function count(name: string, attributes: Record<string, unknown> = {}): Promise<number> {
    return (await find(name, attributes))?.count ?? 0;
  }

  return { meter, points, value, count, shutdown: () => provider.shutdown() };
}
