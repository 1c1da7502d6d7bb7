/**
 * Timing of the ZooKeeper backend, in one place (all durations in milliseconds).
 */
import { settleWithin as settleOrReject } from '../settle-within';

/**
 * Longest we wait for one request (ms). node-zookeeper-client queues requests while it is
 * disconnected and never times them out, so without a deadline a call could wait forever.
 * Below the core's 5 s bound on a driver call, so that the error says what we waited for.
 */
export const REQUEST_TIMEOUT_MS = 4_000;

/** After a dropped connection, an attempt is sent again this soon (ms); the client queues it until reconnected. */
export const RECONNECT_RETRY_MS = 100;

/**
 * Session timeout the default client asks for (ms), as kazoo's default. The server clamps it to
 * [minSessionTimeout, maxSessionTimeout] (by default 2 and 20 ticks).
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/**
 * Share of the session timeout after which a holder that has heard nothing from the server
 * counts its locks as lost: 2/3, like ZooKeeper's own Java client, which declares the
 * connection lost after two thirds of the timeout. The server expires the session (and deletes
 * our nodes) no earlier than one full timeout after the last request it received, so the loss
 * is reported before another client can be granted the lock.
 */
export const LOSS_AFTER_SHARE = 2 / 3;

/** While locks are held, a probe request goes out this often, as a share of the session timeout. */
export const PROBE_EVERY_SHARE = 1 / 6;

/** `work`, rejected if it has not settled after `ms` (see the shared `settleWithin`). */
export function settleWithin<T>(work: PromiseLike<T> | T, ms: number, what: string): Promise<T> {
  return settleOrReject(work, ms, `ZooKeeper: ${what} got no answer within ${ms} ms`);
}
