/**
 * One clock for every process of a torture run. `process.hrtime.bigint()` reads
 * CLOCK_MONOTONIC, which all processes on a Linux host share, so hold intervals logged by
 * different workers can be compared directly. `performance.now()` (the library's clock, used
 * by `LockHandle.expiresAt`) has a per-process origin; {@link fromPerformance} maps it here.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds (microsecond precision) on the host's CLOCK_MONOTONIC. */
export function now(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

let offset: number | undefined;

/** hrtime - performance.now(), from the closest of a few paired reads (pairs far apart in time were preempted). */
function perfOffset(): number {
  if (offset !== undefined) return offset;
  let best = Infinity;
  let bestOffset = 0;
  for (let i = 0; i < 50; i++) {
    const a = performance.now();
    const h = now();
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      bestOffset = h - (a + b) / 2;
    }
  }
  offset = bestOffset;
  return offset;
}

/** A `performance.now()` timestamp (e.g. `handle.expiresAt`) on the shared clock. */
export function fromPerformance(t: number): number {
  return t + perfOffset();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
