import { Observable } from 'rxjs';
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
  /** The store instance: drivers of one store share this process's release bus and waiter queue. */
  readonly releaseScope: string;
  /** Every answer comes from this process's memory: no call can stall, so calls need no deadline (see `LockDriver.inProcess`). */
  readonly inProcess = true;

  constructor(readonly store: MemoryStore) {
    this.releaseScope = storeScope(store);
  }

  tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
    return answerLater(() => {
      const fence = this.store.add(t.key, t.token, t.expire);
      return fence === null ? { acquired: false } : { acquired: true, fencingToken: fence };
    });
  }

  release(t: LockTarget): Promise<boolean> {
    return answerLater(() => this.store.deleteIfOwner(t.key, t.token));
  }

  renew(t: LockTarget): Promise<boolean> {
    return answerLater(() => this.store.renewIfOwner(t.key, t.token, t.expire));
  }

  renewMany(targets: readonly LockTarget[]): Promise<boolean[]> {
    return answerLater(() => targets.map((t) => this.store.renewIfOwner(t.key, t.token, t.expire)));
  }

  isLocked(key: string): Promise<boolean> {
    return answerLater(() => this.store.has(key));
  }

  watchReleases(t: LockTarget): Observable<ReleaseSignal> {
    return new Observable<ReleaseSignal>((subscriber) => {
      const stop = this.store.watch(t.key, () => subscriber.next('released'));
      subscriber.next('listening');
      return stop;
    });
  }

  /**
   * A forced deletion of our entry (an operator's, or a test's) is reported at once, as etcd
   * reports a lost lease; our own release is not a loss, and an expiry is caught by the
   * holder's own deadline, which passes first.
   */
  watchLoss(t: LockTarget): Observable<MemoryRemoval> {
    // No teardown: the store skips a closed subscriber and forgets it with the entry.
    return new Observable<MemoryRemoval>((subscriber) => this.store.watchForcedDeletion(t.key, t.token, subscriber));
  }
}

const storeScopes = new WeakMap<MemoryStore, string>();
let storesSeen = 0;

/** A name for `store` that no other store of this process gets. */
function storeScope(store: MemoryStore): string {
  let scope = storeScopes.get(store);
  if (scope === undefined) {
    scope = `store-${++storesSeen}`;
    storeScopes.set(store, scope);
  }
  return scope;
}

const settled = Promise.resolve();

/** `answer()` run on a microtask, as a network reply would come later: one promise hop, not an async function's three. */
function answerLater<T>(answer: () => T): Promise<T> {
  return settled.then(answer);
}
