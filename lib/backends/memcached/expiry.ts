/**
 * Converting a lock's `expire` (milliseconds) to memcached's expiration field.
 */

/**
 * Memcached reads an expiration above 30 days (2592000 s) as an absolute Unix time, not as a
 * number of seconds from now; a relative value above it would be a date in January 1970,
 * i.e. an item that expires at once.
 */
export const MAX_RELATIVE_EXPIRY_SECONDS = 60 * 60 * 24 * 30;

/**
 * The expiration field for a lock that must live at least `expireMs` milliseconds.
 *
 * Memcached expires in whole seconds on a clock that ticks once a second, so an item set for
 * N seconds can vanish after only N - 1 s (an item set for 1 s was seen gone after 243 ms).
 * Rounding up and adding one second keeps the server copy alive past the local validity
 * deadline, so the holder learns of the expiry (`LockLostError`) before another client can
 * take the lock; the price is up to ~2 s during which nobody holds a lock that others still
 * cannot take.
 *
 * `null` means no expiry (0). Beyond 30 days the value is sent as an absolute Unix time
 * computed from this machine's clock, so it is off by however far this clock is from the
 * server's.
 */
export function serverExpiry(expireMs: number | null, nowMs: number = Date.now()): number {
  if (expireMs === null) return 0;
  const seconds = Math.ceil(expireMs / 1000) + 1;
  if (seconds <= MAX_RELATIVE_EXPIRY_SECONDS) return seconds;
  return Math.ceil(nowMs / 1000) + seconds;
}
