import { Subject } from 'rxjs';
import { monotonicNow } from '../../core/clock';

interface Entry {
  token: string;
  /** Monotonic deadline, or null for no expiry. */
  expiresAt: number | null;
  expiryTimer: NodeJS.Timeout | undefined;
}

/**
 * The in-memory backend's server: lock entries with TTLs and fencing counters, local to one
 * process. Pass one as the `client` of a `MemoryLock` to get an isolated keyspace; locks
 * without a client share a default store.
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly fences = new Map<string, number>();
  /** Emits the key of every lock that was released or expired. */
  readonly releases = new Subject<string>();

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
    this.remove(key, entry);
    return true;
  }

  /** Resets the expiry only if `token` owns the lock. */
  extendIfOwner(key: string, token: string, expire: number | null): boolean {
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

  /** Deletes a lock regardless of its owner, as an operator would. */
  forceDelete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.remove(key, entry);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && monotonicNow() >= entry.expiresAt) {
      this.remove(key, entry);
      return undefined;
    }
    return entry;
  }

  private setExpiry(key: string, entry: Entry, expire: number | null): void {
    if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
    entry.expiryTimer = undefined;
    entry.expiresAt = expire === null ? null : monotonicNow() + expire;
    if (expire === null) return;
    // Expiry wakes waiters as a release does; unreferenced so an abandoned lock keeps no process alive.
    entry.expiryTimer = setTimeout(() => this.live(key), expire + 1);
    entry.expiryTimer.unref();
  }

  private remove(key: string, entry: Entry): void {
    if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    this.releases.next(key);
  }
}
