/**
 * The public view of a held lock.
 */

/**
 * Where a handle is in its life.
 *
 * @example
 * ```ts
 * import type { LockHandleState } from 'sherlock-rx';
 *
 * const gaugeValue: Record<LockHandleState, number> = { held: 1, released: 0, lost: -1 };
 * metrics.gauge('lock.state', gaugeValue[handle.state], { lock: handle.name });
 * ```
 */
export type LockHandleState = 'held' | 'released' | 'lost';

/**
 * A lock held by one acquisition. Emitted by `acquire$()` and returned by `lock.hold()`.
 *
 * @example
 * ```ts
 * await using handle = await lock.hold();
 * await db.write(row, { fence: handle.fencingToken, signal: handle.signal });
 * ```
 */
export interface LockHandle extends AsyncDisposable {
  /** Lock name as given by the user. */
  readonly name: string;
  /** The backend key of the lock (e.g. `ns_name` on Redis). */
  readonly key: string;
  /** This acquisition's owner token (128 random bits, hex). */
  readonly token: string;
  /**
   * Strictly increases with each grant of this lock, where the backend provides it (Redis,
   * Memcached, etcd, memory); pass it to the resource you protect so it can reject writes
   * from a holder whose lock has since passed to another. `undefined` when unavailable.
   */
  readonly fencingToken: number | bigint | undefined;
  /**
   * Local validity deadline on the monotonic clock (`performance.now()` milliseconds), or
   * `null` for a lock that never expires. Moves forward on each successful renewal.
   */
  readonly expiresAt: number | null;
  /**
   * Aborts when the lock is no longer held: with a `LockLostError` as its reason when it was
   * lost, with a `LockError` when it was released.
   */
  readonly signal: AbortSignal;
  /** `held`, `released`, or `lost`. */
  readonly state: LockHandleState;
  /**
   * Extends the lock by its `expire` (milliseconds). Resolves false if it is no longer ours
   * (which also ends the hold with `LockLostError`); rejects with `LockBackendError` if the
   * backend could not be reached (the lock is then kept until its local deadline).
   */
  renew(): Promise<boolean>;
  /**
   * Releases the lock and waits for the backend to confirm. Idempotent: later calls return
   * the first call's outcome. Rejects with `LockLostError` if the lock had been lost
   * (expired or taken by another owner) before it was released.
   */
  release(): Promise<void>;
}
