/**
 * Timers for delays that may exceed what `setTimeout` can represent.
 */

/**
 * Longest delay (ms) `setTimeout` honours: above it Node fires after 1 ms with a
 * `TimeoutOverflowWarning`. Callers that wait longer re-check the time when the timer fires
 * and arm again (chained timers).
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** `ms` clamped to what `setTimeout` can wait: [0, {@link MAX_TIMER_DELAY}]. */
export function timerDelay(ms: number): number {
  return Math.min(MAX_TIMER_DELAY, Math.max(0, ms));
}
