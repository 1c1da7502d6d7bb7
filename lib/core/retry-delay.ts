/**
 * How long a busy acquisition waits before its next attempt, in milliseconds.
 */
import { MAX_TIMER_DELAY } from './timers';

/**
 * The wait before the next poll. Waiters that poll on the same interval move as a herd
 * (measured: they all wake together and all but one lose again), so each wait is stretched
 * by up to 10% at random.
 */
export function pollDelay(retryInterval: number, random: () => number = Math.random): number {
  if (retryInterval <= 0) return 0;
  // Clamped: near setTimeout's limit the jitter would overflow it (it then fires after 1 ms).
  return Math.min(MAX_TIMER_DELAY, retryInterval + random() * retryInterval * 0.1);
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
