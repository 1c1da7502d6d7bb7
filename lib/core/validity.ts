/**
 * How long a grant may be trusted. The server counts a lock's expiry on its own clock from
 * the moment it ran our request; we count from the moment we sent it (never later), and the
 * two clocks may run at slightly different rates. Following the Redlock analysis, the local
 * deadline gives up 1% of the expiry plus 2 ms, so it always passes before the server can let
 * another owner in.
 */

/** Share of the expiry kept as a margin for clock-rate drift between client and server. */
export const CLOCK_DRIFT_FACTOR = 0.01;
/** Fixed part of the drift margin (ms): timer and scheduling granularity. */
export const CLOCK_DRIFT_FIXED_MS = 2;
/**
 * Shortest `expire` accepted (ms): below it the drift margin would leave almost no validity,
 * and a grant could never be handed out before its deadline.
 */
export const MIN_EXPIRE = 10;

/** The drift margin (ms) for a lock that lives `expire` ms. */
export function driftMargin(expire: number): number {
  return expire * CLOCK_DRIFT_FACTOR + CLOCK_DRIFT_FIXED_MS;
}

/**
 * The local validity deadline (monotonic ms) of a grant or renewal whose request was sent at
 * `sentAt`, or `null` for a lock that never expires.
 */
export function validUntil(sentAt: number, expire: number | null): number | null {
  return expire === null ? null : sentAt + expire - driftMargin(expire);
}
