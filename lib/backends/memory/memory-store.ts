import { Subject } from 'rxjs';
import { monotonicNow } from '../../core/clock';
import { unreferencedTimers, type QueuedTimer } from '../../core/timer-queue';

/**
 * One lock entry, which is also its own expiry entry in the shared timer queue: no closure
 * and no timer object per acquisition (profiled, they showed on every memory cycle).
 */
class Entry implements QueuedTimer {
  /** {@link QueuedTimer}: kept by the timer queue. */
  at = 0;
  /** {@link QueuedTimer}: kept by the timer queue. */
  index = -1;
  /** {@link QueuedTimer}: kept by the timer queue. */
  lane: QueuedTimer['lane'] = undefined;
  /** Monotonic deadline, or null for no expiry. */
  expiresAt: number | null = null;
  /** Watchers of its forced deletion (see {@link MemoryStore.watchForcedDeletion}): most entries have none or one. */
  ownerWatchers: ForcedDeletionWatcher[] | undefined;

  constructor(
    private readonly store: MemoryStore,
    readonly key: string,
    readonly token: string,
  ) {}

  fire(): void {
    this.store.expiryReached(this);
  }
}

/**
 * A watcher of a forced deletion (an RxJS `Subscriber` is one): told once, unless closed by then.
 *
 * @example
 * ```ts
 * new Observable<MemoryRemoval>((subscriber) => store.watchForcedDeletion('job', token, subscriber));
 * ```
 */
export interface ForcedDeletionWatcher {
  readonly closed: boolean;
  next(removal: MemoryRemoval): void;
}

/**
 * Why a lock entry left the store.
 *
 * @example
 * ```ts
 * import type { MemoryRemovalReason } from 'sherlock-rx';
 *
 * const counts: Record<MemoryRemovalReason, number> = { released: 0, expired: 0, forced: 0 };
 * store.removals.subscribe(({ reason }) => counts[reason]++);
 * ```
 */
export type MemoryRemovalReason = 'released' | 'expired' | 'forced';

/**
 * One lock entry leaving the store.
 *
 * @example
 * ```ts
 * import { MemoryStore, type MemoryRemoval } from 'sherlock-rx';
 *
 * const store = new MemoryStore();
 * const removals: MemoryRemoval[] = [];
 * store.removals.subscribe((removal) => removals.push(removal));
 * // ... after the test: a lock that was never released shows up as 'expired'.
 * ```
 */
export interface MemoryRemoval {
  /** The key of the entry (`<namespace>_<name>`). */
  readonly key: string;
  /** The owner token the entry had. */
  readonly token: string;
  /** Why it left: released by its owner, expired, or deleted by force (as an operator would). */
  readonly reason: MemoryRemovalReason;
}

/**
 * The in-memory backend's server: lock entries with TTLs and fencing counters, local to one
 * process. Pass one as the `client` of a `MemoryLock` to get an isolated keyspace; locks
 * without a client share a default store.
 *
 * @example
 * ```ts
 * import { MemoryLock, MemoryStore } from 'sherlock-rx';
 *
 * const store = new MemoryStore();
 * const lock = new MemoryLock('job', { client: store });
 * await lock.acquire();
 * // As an operator deleting the key would: the holder is told at once (LockLostError).
 * store.forceDelete(lock.key);
 * ```
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly fences = new Map<string, number>();
  /** Emits every entry that was released, expired or deleted by force, with its owner. */
  readonly removals = new Subject<MemoryRemoval>();
  /**
   * Per-key listeners (the driver's release and loss watches): a watch filtering `removals`
   * ran every watcher's filter on every removal of every key.
   */
  private readonly watchers = new Map<string, Set<(removal: MemoryRemoval) => void>>();

  /**
   * Calls `listener` with each removal of `key` until the returned function is called.
   *
   * @example
   * ```ts
   * const stop = store.watch('job', (removal) => console.log(removal.reason));
   * stop();
   * ```
   */
  watch(key: string, listener: (removal: MemoryRemoval) => void): () => void {
    let set = this.watchers.get(key);
    if (!set) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.watchers.get(key);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.watchers.delete(key);
    };
  }

  /**
   * @internal For the memory driver's loss watch (users watch `removals`).
   * Tells `watcher` if `key`'s entry, while `token` owns it, is deleted by force (see
   * {@link forceDelete}); nothing if `token` does not own `key` now. The watch ends with the
   * entry (released, expired or deleted), or once `watcher.closed`: it is kept on the entry,
   * so a holder's loss watch costs no listener set, closure or teardown per acquisition.
   *
   * @example
   * ```ts
   * const watch = { closed: false, next: (removal: MemoryRemoval) => console.log('lost', removal.key) };
   * store.watchForcedDeletion('job', token, watch);
   * watch.closed = true; // stop
   * ```
   */
  watchForcedDeletion(key: string, token: string, watcher: ForcedDeletionWatcher): void {
    const entry = this.entries.get(key);
    if (!entry || entry.token !== token) return;
    (entry.ownerWatchers ??= []).push(watcher);
  }

  /** Creates the lock if free (or expired). Returns the new fencing token, or null when busy. */
  add(key: string, token: string, expire: number | null): number | null {
    if (this.live(key)) return null;
    const fence = (this.fences.get(key) ?? 0) + 1;
    this.fences.set(key, fence);
    const entry = new Entry(this, key, token);
    this.entries.set(key, entry);
    this.setExpiry(entry, expire);
    return fence;
  }

  /** Deletes the lock only if `token` owns it. */
  deleteIfOwner(key: string, token: string): boolean {
    const entry = this.live(key);
    if (!entry || entry.token !== token) return false;
    this.remove(entry, 'released');
    return true;
  }

  /** Resets the expiry only if `token` owns the lock. */
  renewIfOwner(key: string, token: string, expire: number | null): boolean {
    const entry = this.live(key);
    if (!entry || entry.token !== token) return false;
    this.setExpiry(entry, expire);
    return true;
  }

  /** Whether anyone holds the lock. */
  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** The owner token of a held lock (for tests and diagnostics). */
  ownerOf(key: string): string | undefined {
    return this.live(key)?.token;
  }

  /** Deletes a lock regardless of its owner, as an operator would; the holder is told it lost it. */
  forceDelete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.remove(entry, 'forced');
  }

  /**
   * @internal The timer queue reached `entry`'s expiry (plus 1 ms): expiry wakes waiters as a
   * release does. On the core's shared unreferenced timer queue (one Node timer for all
   * entries), so an abandoned lock keeps no process alive and an entry released in time costs
   * no timer call.
   */
  expiryReached(entry: Entry): void {
    if (this.entries.get(entry.key) !== entry) return;
    if (this.live(entry.key)) this.armExpiry(entry);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && monotonicNow() >= entry.expiresAt) {
      this.remove(entry, 'expired');
      return undefined;
    }
    return entry;
  }

  private setExpiry(entry: Entry, expire: number | null): void {
    entry.expiresAt = expire === null ? null : monotonicNow() + expire;
    if (entry.expiresAt === null) unreferencedTimers.cancel(entry);
    else this.armExpiry(entry);
  }

  private armExpiry(entry: Entry): void {
    // Moved in place when pending (a renewal): one clock read, no new queue entry.
    if (entry.expiresAt !== null) unreferencedTimers.moveTo(entry, entry.expiresAt + 1);
  }

  private remove(entry: Entry, reason: MemoryRemovalReason): void {
    unreferencedTimers.cancel(entry);
    const key = entry.key;
    if (this.entries.get(key) === entry) this.entries.delete(key);
    const owner = reason === 'forced' ? entry.ownerWatchers : undefined;
    entry.ownerWatchers = undefined;
    const watchers = this.watchers.get(key);
    if (!watchers && !owner && !this.removals.observed) return;
    const removal: MemoryRemoval = { key, token: entry.token, reason };
    if (owner) for (const watcher of owner) if (!watcher.closed) watcher.next(removal);
    if (watchers) for (const listener of [...watchers]) listener(removal);
    this.removals.next(removal);
  }
}
