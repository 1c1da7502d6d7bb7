import { Observable, filter, map, startWith } from 'rxjs';
import type { AcquireAttempt, LockDriver, LockTarget, ReleaseSignal } from '../../core/driver';
import type { MemoryRemoval, MemoryStore } from './memory-store';

/**
 * The in-memory driver. Answers asynchronously (on a microtask), as a network backend would,
 * so code that works here does not rely on synchronous replies.
 */
export class MemoryDriver implements LockDriver {
  readonly backend = 'memory';
  /** Releases, expiries and forced deletions all go through `MemoryStore.removals`. */
  readonly notifiesEveryRelease = true;

  constructor(readonly store: MemoryStore) {}

  async tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
    await Promise.resolve();
    const fence = this.store.add(t.key, t.token, t.expire);
    return fence === null ? { acquired: false } : { acquired: true, fencingToken: fence };
  }

  async release(t: LockTarget): Promise<boolean> {
    await Promise.resolve();
    return this.store.deleteIfOwner(t.key, t.token);
  }

  async renew(t: LockTarget): Promise<boolean> {
    await Promise.resolve();
    return this.store.renewIfOwner(t.key, t.token, t.expire);
  }

  async renewMany(targets: readonly LockTarget[]): Promise<boolean[]> {
    await Promise.resolve();
    return targets.map((t) => this.store.renewIfOwner(t.key, t.token, t.expire));
  }

  async isLocked(key: string): Promise<boolean> {
    await Promise.resolve();
    return this.store.has(key);
  }

  watchReleases(t: LockTarget): Observable<ReleaseSignal> {
    return this.store.removals.pipe(
      filter((removal) => removal.key === t.key),
      map((): ReleaseSignal => 'released'),
      startWith<ReleaseSignal>('listening'),
    );
  }

  /**
   * A forced deletion of our entry (an operator's, or a test's) is reported at once, as etcd
   * reports a lost lease; our own release is not a loss, and an expiry is caught by the
   * holder's own deadline, which passes first.
   */
  watchLoss(t: LockTarget): Observable<MemoryRemoval> {
    return this.store.removals.pipe(filter((r) => r.key === t.key && r.token === t.token && r.reason === 'forced'));
  }
}
