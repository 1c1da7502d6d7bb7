import { Subject } from 'rxjs';
import { monotonicNow } from '../../core/clock';
import { unreferencedTimers, type QueuedTimer } from '../../core/timer-queue';

interface Entry {
  token: string;
  /** Monotonic deadline, or null for no expiry. */
  expiresAt: number | null;
  expiryTimer: QueuedTimer | undefined;
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

  /** Creates the lock if free (or expired). Returns the new fencing token, or null when busy. */
  add(key: string, token: string, expire: number | null): number | null {
    if (this.live(key)) return null;
    const fence = (this.fences.get(key) ?? 0) + 1;
    this.fences.set(key, fence);
    const entry: Entry = { token, expiresAt: null, expiryTimer: undefined };
    this.entries.set(key, entry);
    this.setExpiry(key, entry, expire);
    return fence;
  }

  /** Deletes the lock only if `token` owns it. */
  deleteIfOwner(key: string, token: string): boolean {
    const entry = this.live(key);
    if (!entry || entry.token !== token) return false;
    this.remove(key, entry, 'released');
    return true;
  }

  /** Resets the expiry only if `token` owns the lock. */
  renewIfOwner(key: string, token: string, expire: number | null): boolean {
    const entry = this.live(key);
    if (!entry || entry.token !== token) return false;
    this.setExpiry(key, entry, expire);
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
    if (entry) this.remove(key, entry, 'forced');
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && monotonicNow() >= entry.expiresAt) {
      this.remove(key, entry, 'expired');
      return undefined;
    }
    return entry;
  }

  private setExpiry(key: string, entry: Entry, expire: number | null): void {
    if (entry.expiryTimer) unreferencedTimers.cancel(entry.expiryTimer);
    entry.expiryTimer = undefined;
    entry.expiresAt = expire === null ? null : monotonicNow() + expire;
    this.armExpiry(key, entry);
  }

  /**
   * Expiry wakes waiters as a release does. On the core's shared unreferenced timer queue
   * (one Node timer for all entries), so an abandoned lock keeps no process alive and an entry
   * released in time costs no timer call.
   */
  private armExpiry(key: string, entry: Entry): void {
    if (entry.expiresAt === null) return;
    entry.expiryTimer = unreferencedTimers.schedule(entry.expiresAt - monotonicNow() + 1, () => {
      entry.expiryTimer = undefined;
      if (this.entries.get(key) !== entry) return;
      if (this.live(key)) this.armExpiry(key, entry);
    });
  }

  private remove(key: string, entry: Entry, reason: MemoryRemovalReason): void {
    if (entry.expiryTimer) unreferencedTimers.cancel(entry.expiryTimer);
    entry.expiryTimer = undefined;
    if (this.entries.get(key) === entry) this.entries.delete(key);
    const watchers = this.watchers.get(key);
    if (!watchers && !this.removals.observed) return;
    const removal: MemoryRemoval = { key, token: entry.token, reason };
    if (watchers) for (const listener of [...watchers]) listener(removal);
    this.removals.next(removal);
  }
}
