/**
 * The monotonic clock used for every local validity deadline. `Date.now()` can jump (NTP,
 * manual changes); a lock's validity must not.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds on a monotonic clock (not wall time). */
export function monotonicNow(): number {
  return performance.now();
}
