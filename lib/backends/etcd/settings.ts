/**
 * Timing of the etcd backend, in one place.
 */
import { settleWithin as settleOrReject } from '../settle-within';

/**
 * Deadline of each unary request we send (ms). etcd3 1.1.2 ignores its `dialTimeout` option,
 * and a request to a member that does not answer (partition, stopped process) would otherwise
 * wait forever; a leader election takes about one election timeout (1 s by default), so 5 s
 * leaves room for one.
 */
export const REQUEST_TIMEOUT_MS = 5_000;

/** Lease TTL (s) for `expire: null`: the lease is kept alive while the lock is held. */
export const DEFAULT_TTL_SECONDS = 60;

/**
 * Smallest lease TTL etcd grants (s): it raises shorter ones to about 1.5 election timeouts,
 * i.e. 2 s with the default 1 s election timeout.
 */
export const MIN_TTL_SECONDS = 2;

/**
 * How long an unused session lease is kept before it is revoked (ms): back-to-back
 * acquisitions then reuse it instead of paying a grant and a revoke each (two disk syncs).
 * The timer is unreferenced, so an idle session never keeps the process alive.
 */
export const IDLE_SESSION_MS = 2_000;

/** After a failed keepalive, try again this soon (ms), until the lease's TTL has passed. */
export const KEEPALIVE_RETRY_MS = 250;

/** The session lease TTL (whole seconds, rounded up) for a lock's `expire` (ms, or `null`). */
export function ttlFor(expire: number | null): number {
  if (expire === null) return DEFAULT_TTL_SECONDS;
  return Math.max(MIN_TTL_SECONDS, Math.ceil(expire / 1000));
}

/** Per-call gRPC options with the request deadline. */
export function callOptions(): { deadline: number } {
  return { deadline: Date.now() + REQUEST_TIMEOUT_MS };
}

/**
 * A held lock starts watching its key for deletion by others only after this long (ms). Opening
 * and cancelling a watch for every short hold cost 60% of the throughput of an uncontended
 * acquire/release loop (about 80 instead of 200 cycles/s here); loss of the session lease is
 * reported at once either way, and a deletion before the watch is armed is caught by one read
 * when it is.
 */
export const LOSS_WATCH_DELAY_MS = 500;

/**
 * Most etcd requests one driver (one client) has in flight (see `request-gate.ts` for why). Loopback
 * etcd answers a write in about a millisecond, so this many in flight is far above what one
 * lock needs and low enough that a storm of requests cannot sit in gRPC past its deadline.
 */
export const MAX_REQUESTS_IN_FLIGHT = 16;

/** Most keys deleted in one transaction (etcd refuses more than `--max-txn-ops`, 128 by default). */
export const MAX_DELETE_BATCH = 64;

/** Attempts of a delete before its key is left to its lease (retries are in the background). */
export const DELETE_RETRY_ATTEMPTS = 8;
/** First delay before a failed delete is tried again (ms); it doubles up to {@link DELETE_RETRY_MAX_MS}. */
export const DELETE_RETRY_FIRST_MS = 250;
export const DELETE_RETRY_MAX_MS = 4_000;

/**
 * Longest we wait for any one promise of the client (ms): etcd3 settles every request by its
 * {@link REQUEST_TIMEOUT_MS} deadline, so this only matters for a client that does not (an
 * object that merely looks like an etcd3 client); a request slot is never held forever.
 */
export const CLIENT_SETTLE_LIMIT_MS = REQUEST_TIMEOUT_MS + 1_000;

/** `work`, rejected if it has not settled after `ms` (see the shared `settleWithin`). */
export function settleWithin<T>(work: PromiseLike<T> | T, ms: number, what: string): Promise<T> {
  return settleOrReject(work, ms, `etcd client: ${what} did not settle within ${ms} ms`);
}
