/**
 * How long a busy acquisition waits before its next poll, in milliseconds.
 *
 * Waiters that poll on the same interval move as a herd (measured: they all wake together
 * and all but one lose again), so each wait is stretched by up to 10% at random.
 */
export function pollDelay(retryInterval: number, random: () => number = Math.random): number {
  if (retryInterval <= 0) return 0;
  return retryInterval + random() * retryInterval * 0.1;
}
