/**
 * The in-process release bus: the local queues of every lock in this process, keyed by the
 * lock store a driver reaches and the key, and the signal a release made here sends to them.
 *
 * A release made by this process wakes the head of this process's queue for that key at
 * once, on every backend, whether or not the server announces releases: on memcached, which
 * announces nothing, a local handoff used to wait for the waiter's next poll (100 ms by
 * default). Drivers that state the same {@link LockDriver.releaseScope} share one queue and
 * one bus per key: the bench's contenders each have their own client of one memcached, and
 * keyed by driver instance a release on one client woke nobody on the others (handoff 3 ms,
 * 0.14x raw spin). A driver without a scope is keyed by instance: the same key through
 * another client may be another server's lock, and a queue shared with it would make a
 * newcomer wait behind a waiter of a different lock.
 */
import type { LockDriver } from './driver';
import { LocalQueue } from './local-queue';

type QueuesByKey = Map<string, LocalQueue>;

const byDriver = new WeakMap<LockDriver, QueuesByKey>();
/** Keyed by backend and scope (see {@link scopeOf}); an entry is dropped when its last queue is. */
const byScope = new Map<string, QueuesByKey>();

/**
 * The registry key of `driver`'s lock store, or undefined for per-instance keying. Qualified
 * with the backend name, so that two backends' scopes never meet whatever strings they choose.
 */
function scopeOf(driver: LockDriver): string | undefined {
  const scope = driver.releaseScope;
  return typeof scope === 'string' && scope.length > 0 ? `${driver.backend}\0${scope}` : undefined;
}

function queuesOf(driver: LockDriver): QueuesByKey | undefined {
  const scope = scopeOf(driver);
  return scope === undefined ? byDriver.get(driver) : byScope.get(scope);
}

/** The local queue of `key` on `driver`'s lock store, or undefined when nobody waits there. */
export function localQueueOf(driver: LockDriver, key: string): LocalQueue | undefined {
  return queuesOf(driver)?.get(key);
}

/** The local queue of `key` on `driver`'s lock store, created when missing (and dropped again once empty). */
export function localQueueFor(driver: LockDriver, key: string): LocalQueue {
  const scope = scopeOf(driver);
  let byKey = queuesOf(driver);
  if (!byKey) {
    byKey = new Map();
    if (scope === undefined) byDriver.set(driver, byKey);
    else byScope.set(scope, byKey);
  }
  const queues = byKey;
  let queue = queues.get(key);
  if (!queue) {
    const created: LocalQueue = new LocalQueue(() => {
      if (queues.get(key) !== created) return;
      queues.delete(key);
      // Scopes are strings, not weakly held: forget one with no waiters left.
      if (scope !== undefined && queues.size === 0 && byScope.get(scope) === queues) byScope.delete(scope);
    });
    queue = created;
    queues.set(key, queue);
  }
  return queue;
}

/**
 * Tells this process's waiters that this process released `key` on `driver`'s lock store (or
 * withdrew a claim there): the head of the local queue tries at once, whichever client of that
 * store it waits on. Waiters in other processes hear of it only through the backend (its
 * notifications, or their next poll).
 */
export function announceLocalRelease(driver: LockDriver, key: string): void {
  queuesOf(driver)?.get(key)?.head?.wake();
}
