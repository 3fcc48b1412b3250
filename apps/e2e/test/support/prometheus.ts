// Reads the Prometheus text format of GET /metrics: one value per series.
import { expect } from 'vitest';
import { request } from 'test-support/http-request';
import type { Target } from 'test-support/target';
import { sleep } from 'test-support/wait';

/** One series: its metric name, its labels (OpenTelemetry's `otel_scope_*` labels left out) and value. */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of a Prometheus text exposition. */
export function parsePrometheus(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL))
      if (name !== undefined && !name.startsWith('otel_scope_')) labels[name] = value ?? '';
    series.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return series;
}

/** The metrics a sample exposes now. */
export class Metrics {
  constructor(readonly series: readonly Series[]) {}

  /** The value of `name` with exactly `labels`, or `undefined` when there is no such series. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
    const wanted = JSON.stringify(Object.entries(labels).sort());
    return this.series.find(
      (series) => series.name === name && JSON.stringify(Object.entries(series.labels).sort()) === wanted,
    )?.value;
  }

  /** Every series of `name`, as `labels → value` (labels as `k=v,k=v`), for exact comparisons. */
  all(name: string): Record<string, number> {
    return Object.fromEntries(
      this.series
        .filter((series) => series.name === name)
        .map((series) => [
          Object.entries(series.labels)
            .sort()
            .map(([key, value]) => `${key}=${value}`)
            .join(','),
          series.value,
        ]),
    );
  }
}

/** `GET /metrics`: must answer 200 in Prometheus text format. */
export async function scrape(target: Target): Promise<Metrics> {
  const response = await request(target, 'GET', '/metrics');
  expect(response.status, response.text).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  return new Metrics(parsePrometheus(response.text));
}

/** Scrapes until `settled(metrics)` holds (the server's side of a close lands a moment later), within `timeoutMs`. */
export async function scrapeWhen(
  target: Target,
  settled: (metrics: Metrics) => boolean,
  timeoutMs = 5_000,
): Promise<Metrics> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await scrape(target);
    if (settled(metrics) || Date.now() > deadline) return metrics;
    await sleep(50);
  }
}
