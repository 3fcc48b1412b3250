// Summaries of repeated measurements: median and min–max, never a mean of ratios.

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `{ median, min, max, n, samples }` of the finite values, or `null` when there are none. */
export function summarize(values) {
  const finite = values.filter((value) => typeof value === 'number' && Number.isFinite(value));
  if (finite.length === 0) return null;
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    n: finite.length,
    samples: finite,
  };
}

/** Per-round ratios `a[i] / b[i]` of two series measured in the same rounds, summarised. */
export function pairedRatio(a, b) {
  const ratios = [];
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    if (Number.isFinite(a[index]) && Number.isFinite(b[index]) && b[index] !== 0)
      ratios.push(a[index] / b[index]);
  }
  return summarize(ratios);
}
