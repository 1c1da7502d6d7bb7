/**
 * The waiter queue of a Redis lock, as the scripts keep it. Waiters of sherlock-rx line up in
 * a sorted set next to the lock (`{key}:waiters`, by arrival), so that a free lock goes to
 * the longest waiter rather than to whoever asks first after a release (usually the releaser
 * itself, which asks again before the others have heard of the release). Python sherlock
 * does not know the queue and still races for a free lock as before.
 */

/**
 * How long a waiter keeps its place without asking again (ms). Every attempt of a waiting
 * acquisition refreshes it (on each release notification and on each `retryInterval` poll,
 * 100 ms by default); a waiter silent for longer is dropped from the queue, so a crashed
 * process holds a free lock back for at most this long. A waiter that polls less often than
 * this (retryInterval above about 1.8 s) rejoins at the back of the queue on each attempt.
 */
export const WAITER_STALE_MS = 2_000;

/** {@link WAITER_STALE_MS} as the scripts take it. */
export const WAITER_STALE_ARG = String(WAITER_STALE_MS);
