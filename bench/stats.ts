/**
 * Order statistics for the benchmark. Every number reported is a median over runs, or a
 * percentile over the samples of one run, so one noisy run on a busy machine cannot move it.
 */

/** The value at quantile `q` (0..1) of `values`, by linear interpolation; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The 95th percentile of `values`; NaN when empty. */
export function p95(values: readonly number[]): number {
  return quantile(values, 0.95);
}

/** `value / baseline`, or NaN when the baseline is not a positive number. */
export function ratio(value: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(value) ? value / baseline : NaN;
}

/** Rounds to `digits` decimals for the report (NaN stays NaN, which JSON writes as null). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Median and range of one figure over rounds: what the report prints and the chart draws. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The median and min-max of `values` (NaN for all three when empty). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/**
 * Jain's fairness index of per-worker shares: 1 when every worker got as many grants, 1/n
 * when one got them all. NaN when nobody got anything.
 */
export function jainIndex(counts: readonly number[]): number {
  const sum = counts.reduce((a, b) => a + b, 0);
  const squares = counts.reduce((a, b) => a + b * b, 0);
  return squares > 0 ? (sum * sum) / (counts.length * squares) : NaN;
}

/** Rounds every number of a spread for the JSON report. */
export function roundSpread(s: Spread, digits = 2): Spread {
  return { median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits) };
}
