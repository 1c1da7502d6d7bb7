/**
 * The seam between the backend-agnostic core and a backend. A backend is a small driver of
 * atomic primitives; the core adds retry, wake-up, timeout, renewal, loss detection, the
 * handle, `withLock` and the Promise API on top. Implement {@link LockDriver} (and a
 * {@link BackendDescriptor} that hands drivers out) to add a backend.
 */
import type { Observable } from 'rxjs';

/**
 * One acquisition's identity on the backend.
 *
 * @example
 * ```ts
 * import type { LockTarget } from 'sherlock-rx/backend';
 *
 * async renew(t: LockTarget): Promise<boolean> {
 *   // Owner-checked in one step on the server; `t.expire` is in ms, `null` for no expiry.
 *   return this.store.renewIfOwner(t.key, t.token, t.expire);
 * }
 * ```
 */
export interface LockTarget {
  /** Name of the lock as the user gave it (for error messages). */
  readonly name: string;
  /** The backend key, as built by {@link BackendDescriptor.keyFor}. */
  readonly key: string;
  /** This acquisition's owner token: random, unique per acquisition. */
  readonly token: string;
  /** Time to live in milliseconds, or `null` for a lock that never expires. */
  readonly expire: number | null;
}

/**
 * Result of one {@link LockDriver.tryAcquire} call.
 *
 * @example
 * ```ts
 * import type { AcquireAttempt, LockTarget } from 'sherlock-rx/backend';
 *
 * async tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
 *   const fence = this.store.add(t.key, t.token, t.expire); // null while someone else holds it
 *   return fence === null ? { acquired: false } : { acquired: true, fencingToken: fence };
 * }
 * ```
 */
export type AcquireAttempt =
  | {
      /** Granted: the caller holds the lock from the moment it sent the request. */
      readonly acquired: true;
      /** Strictly increasing per grant of this lock, where the backend can provide it. */
      readonly fencingToken?: number | bigint;
      /**
       * For a grant the server made before this request (e.g. handed over by the previous
       * holder's release and announced to the driver): a monotonic time (`performance.now()`
       * clock, ms) the grant cannot predate, such as the send time of an earlier request of
       * this token that the server answered "busy". The core counts the validity deadline from
       * it instead of from this request's send time. Must never be later than the real grant.
       */
      readonly grantedAfter?: number;
    }
  | {
      /** Busy: someone else holds the lock. */
      readonly acquired: false;
      /**
       * True when the driver left a claim on the backend for this token (e.g. an etcd
       * waiter key). The core then calls {@link LockDriver.release} when it gives up.
       */
      readonly queued?: boolean;
    };

/**
 * A signal from {@link LockDriver.watchReleases}: `listening` once, as soon as no release can
 * be missed any more (e.g. a Redis SUBSCRIBE was confirmed); then `released` whenever the lock
 * may have become free.
 *
 * @example
 * ```ts
 * import type { LockTarget, ReleaseSignal } from 'sherlock-rx/backend';
 *
 * watchReleases(t: LockTarget): Observable<ReleaseSignal> {
 *   // 'listening' comes once subscribed: from then on no release can be missed.
 *   return this.store.removals.pipe(
 *     filter((removal) => removal.key === t.key),
 *     map((): ReleaseSignal => 'released'),
 *     startWith<ReleaseSignal>('listening'),
 *   );
 * }
 * ```
 */
export type ReleaseSignal = 'listening' | 'released';

/**
 * The atomic primitives a backend provides. Every method must be atomic on the server
 * (no check-then-act across round trips) and must reject with an error (ideally a
 * `LockBackendError`) rather than hang when the server is unreachable.
 *
 * @example
 * ```ts
 * import type { AcquireAttempt, LockDriver, LockTarget } from 'sherlock-rx/backend';
 *
 * export class MapDriver implements LockDriver {
 *   readonly backend = 'map';
 *   constructor(private readonly store: MapStore) {}
 *   async tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
 *     return { acquired: this.store.addIfAbsent(t.key, t.token, t.expire) };
 *   }
 *   // release, renew and isLocked: each one atomic, owner-checked request to the store
 * }
 * ```
 */
export interface LockDriver {
  /** Backend name, for messages (e.g. `redis`). */
  readonly backend: string;

  /** Create the lock for `target.token` if nobody holds it, with expiry `target.expire` ms. */
  tryAcquire(target: LockTarget): Promise<AcquireAttempt>;

  /**
   * Delete the lock (or this token's queued claim) only if it still belongs to
   * `target.token`. Resolves true if something of ours was deleted, false if nothing of
   * ours was there (expired, or taken by another owner).
   */
  release(target: LockTarget): Promise<boolean>;

  /**
   * Optional: the acquisition of `target.token` gave up (unsubscribed, timed out, aborted).
   * Called synchronously, before its attempt in flight settles, so that the driver can drop
   * requests it has not sent yet (a storm of abandoned acquisitions then costs nothing on the
   * server). {@link release} still follows once the attempt settles; must not throw.
   */
  abandon?(target: LockTarget): void;

  /** Reset the expiry to `target.expire` ms only if the lock still belongs to `target.token`. */
  renew(target: LockTarget): Promise<boolean>;

  /**
   * Optional batch form of {@link renew}, used by the renewal scheduler so that holding many
   * locks costs one round trip per tick (e.g. a Redis pipeline). Same order as `targets`.
   */
  renewMany?(targets: readonly LockTarget[]): Promise<boolean[]>;

  /** Whether anyone holds the lock at `key`. */
  isLocked(key: string): Promise<boolean>;

  /**
   * Optional release notifications, subscribed once per waiting acquisition for as long as
   * it waits. Emits `listening` when armed, then `released` when a retry may succeed.
   * Without it the core polls (backing off from `retryInterval / 8` to `retryInterval`, with
   * jitter). Either way, releases made by this process reach this process's waiters through
   * the core's in-process release bus: the driver need not announce its own releases locally.
   * The core subscribes it only for the first of this process's waiters of a key (the others
   * queue locally behind it), unless {@link ordersWaiters} is set.
   */
  watchReleases?(target: LockTarget): Observable<ReleaseSignal>;

  /**
   * True when {@link watchReleases}, once `listening`, signals every way the lock can become
   * free (release, expiry, deletion): the core then stops polling while the watch is healthy
   * and waits for signals alone (etcd's watches, the memory store). Leave it unset when some
   * releases go unannounced (e.g. Redis keys that expire, or Python sherlock's releases):
   * the core then polls as well (never less often than every `retryInterval`).
   */
  readonly notifiesEveryRelease?: boolean;

  /**
   * Optional: every call is answered in this process, without I/O (the memory backend), so a
   * call cannot stall and the core sets no call deadline on it (its answers are still
   * checked). Set it only if each promise the driver returns settles on its own, whatever
   * happens elsewhere; a network or file driver never does.
   */
  readonly inProcess?: boolean;

  /**
   * True when the backend grants the lock in its own order (etcd's queue by create revision):
   * the core then retries at once on a release signal, and every waiter of this process asks
   * the backend itself (the server's queue already keeps arrival order). Otherwise the core
   * queues this process's waiters of one key locally, in arrival order, lets only the first
   * ask the backend, and spreads the retries after a release signal a little, older waiters
   * first, so that the server's notification order does not decide every handoff.
   */
  readonly ordersWaiters?: boolean;

  /**
   * Optional: the identity of the lock store this driver reaches, so that this process's
   * drivers of one store share the core's in-process release bus and local waiter queue
   * (a release made through one client then wakes this process's waiter on another client at
   * once, and waiters on both queue in one arrival order). Without it, drivers are kept apart
   * per instance, which is always safe.
   *
   * What must hold: two drivers of the same backend with the same scope reach the same lock,
   * on the same server, for every key, for as long as the driver lives. So the scope must
   * include everything that decides where a key lives: the server address(es) and how keys
   * are spread over them, and whatever changes the key space (a Redis `keyPrefix` and
   * database, an etcd namespace, a ZooKeeper chroot, a directory's real path, a memory store
   * instance). Leave it undefined when the client's identity cannot be known reliably. A
   * wrong wake-up costs only an attempt, but a scope shared by two different locks would make
   * a newcomer on one wait behind a waiter of the other. Scopes are compared as strings,
   * within one backend (the core qualifies them with {@link backend}); the value must not change.
   *
   * @example
   * ```ts
   * import type { LockDriver } from 'sherlock-rx/backend';
   *
   * export class MapDriver implements LockDriver {
   *   readonly backend = 'map';
   *   // One server, one key space: every client of it reaches the same locks.
   *   readonly releaseScope = `${this.store.host}:${this.store.port}`;
   *   constructor(private readonly store: MapStoreClient) {}
   *   // ...
   * }
   * ```
   */
  readonly releaseScope?: string;

  /**
   * Optional loss notifications for a held lock (e.g. etcd lease loss): the returned
   * Observable errors (or emits) when the backend knows the lock is gone. Subscribed while held.
   */
  watchLoss?(target: LockTarget): Observable<unknown>;
}

/**
 * A backend: builds keys and hands out drivers. Registered with `backends.register()`.
 * `C` is the client type (e.g. an ioredis `Redis`).
 *
 * @example
 * ```ts
 * import { backends } from 'sherlock-rx';
 * import type { BackendDescriptor } from 'sherlock-rx/backend';
 *
 * // Without defineBackend: a name, a pure keyFor and driverFor are all the core needs.
 * const driver = new MapDriver(new MapStore());
 * export const mapBackend: BackendDescriptor<MapStore> = backends.register({
 *   name: 'map', keyFor: (name, namespace) => (namespace ? `${namespace}:${name}` : name), driverFor: () => driver,
 * });
 * ```
 */
export interface BackendDescriptor<C = unknown> {
  /** Unique backend name (e.g. `redis`). */
  readonly name: string;

  /**
   * The backend key for a lock. Throws `LockConfigurationError` for a name or namespace the
   * backend cannot store safely (e.g. one whose keys could collide with another lock's).
   * Pure: must not touch the network. The core's own name rules (`assertBaseName`) are
   * applied before it, by `defineBackend` or by the `Lock`: check only the backend's own.
   */
  keyFor(name: string, namespace: string | null): string;

  /**
   * The driver for `client` (drivers should be cached per client, so that per-client
   * resources such as a subscriber connection are shared). With no client, a default client
   * owned by the backend is used; {@link closeDefaultClients} closes it.
   */
  driverFor(client: C | undefined): LockDriver;

  /** Whether `client` is this backend's client type (used to infer the backend from a client). */
  isClient?(client: unknown): boolean;

  /** Close the default client(s) this backend opened itself. User clients are never closed. */
  closeDefaultClients?(): Promise<void>;
}
