/**
 * How long a busy acquisition waits before its next attempt, in milliseconds.
 */
import { MAX_TIMER_DELAY } from './timers';

/** The first poll's ceiling, as a share of `retryInterval`; each poll doubles it, up to `retryInterval`. */
export const POLL_BACKOFF_START = 1 / 8;

/**
 * The wait (ms) before poll number `polls` (0 for the first) of a waiter that hears of no
 * release. The rule: the ceiling starts at `retryInterval / 8` and doubles with each poll, up
 * to `retryInterval`; the wait is drawn uniformly between half the ceiling and the ceiling.
 * So a waiter never waits longer than `retryInterval` between two attempts (sherlock's
 * `retry_interval` keeps its meaning: "try again at least this often"), a short hold elsewhere
 * is noticed early, and waiters that started together drift apart instead of polling the
 * server as a herd (measured before: they all woke together and all but one lost again).
 */
export function pollDelay(retryInterval: number, polls: number, random: () => number = Math.random): number {
  if (retryInterval <= 0) return 0;
  const ceiling = Math.min(retryInterval, retryInterval * POLL_BACKOFF_START * 2 ** Math.max(0, polls));
  // Clamped: setTimeout fires after 1 ms when asked to wait beyond its limit.
  return Math.min(MAX_TIMER_DELAY, ceiling * (1 - random() / 2));
}

/** Largest spread (ms) of the retries of fresh waiters after a release signal. */
export const WAKE_SPREAD_MS = 2;
/** A waiter's spread halves once it has waited this long (ms). */
export const WAKE_AGE_SCALE_MS = 10;

/**
 * The wait between a release signal and the retry it triggers. Every waiter hears a release
 * at once and only one can win; without a spread the winner is whoever the server happens to
 * notify first, which is the same connection every time: with 8 contenders on separate
 * connections, 4 were measured to get the lock once in 3 s while the others shared ~1,100
 * grants. A random spread that shrinks with the time already waited makes the winner random
 * among equals and favours those who waited longest, for at most {@link WAKE_SPREAD_MS} of
 * added latency.
 */
export function wakeDelay(waitedMs: number, random: () => number = Math.random): number {
  return (random() * WAKE_SPREAD_MS) / (1 + Math.max(0, waitedMs) / WAKE_AGE_SCALE_MS);
}
