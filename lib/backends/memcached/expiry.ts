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
 * Whole seconds added to the rounded-up expiry so the server copy outlives the local validity
 * deadline whatever the phase of memcached's clock (see {@link serverExpiry}).
 */
export const SERVER_CLOCK_SLACK_SECONDS = 3;

/**
 * The expiration field for a lock that must live at least `expireMs` milliseconds.
 *
 * Memcached counts time in whole seconds: its main thread wakes about once a second (a timer
 * re-armed 1 s after each run, so ticks land 1000.1 to 1002.2 ms apart, measured here) and
 * sets its clock to the whole seconds of the monotonic time. An item set for N seconds dies at
 * the first tick whose clock reads N more than it did when the item was set. Usually that is
 * N - 1 to N seconds later; but when a tick's phase crosses a second boundary (every ~17
 * minutes at 1 ms of drift a tick) the clock jumps by 2, and when the main thread is late by
 * L the jump can be followed by ticks that land right after a boundary: an item can then
 * live only N - 2 seconds minus L. With `ceil(expire) + 1` s a lock could vanish at once;
 * that is how CI saw another client take a lock 229 ms before its holder's `LockLostError`.
 * With three extra seconds the server copy lives at least `expire` + 1 s - L, past the local
 * validity deadline unless memcached's main thread is a whole second late while its worker
 * threads keep serving. The price: a lock nobody renews stays taken for up to ~3 s after its
 * holder lost it (its own `expire` rounded up, plus 3 s, in all).
 *
 * `null` means no expiry (0). Beyond 30 days the value is sent as an absolute Unix time
 * computed from this machine's clock, so it is off by however far this clock is from the
 * server's.
 */
export function serverExpiry(expireMs: number | null, nowMs: number = Date.now()): number {
  if (expireMs === null) return 0;
  const seconds = Math.ceil(expireMs / 1000) + SERVER_CLOCK_SLACK_SECONDS;
  if (seconds <= MAX_RELATIVE_EXPIRY_SECONDS) return seconds;
  return Math.ceil(nowMs / 1000) + seconds;
}
