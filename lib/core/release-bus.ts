/**
 * The in-process release bus: the local queues of every lock in this process, keyed by driver
 * instance and key, and the signal a release made here sends to them.
 *
 * A release made by this process wakes the head of this process's queue for that key at
 * once, on every backend, whether or not the server announces releases: on memcached, which
 * announces nothing, a local handoff used to wait for the waiter's next poll (100 ms by
 * default). Keyed by driver instance because a driver is one client of one server: the same
 * key through another client may be another server's lock.
 */
import type { LockDriver } from './driver';
import { LocalQueue } from './local-queue';

const queues = new WeakMap<LockDriver, Map<string, LocalQueue>>();

/** The local queue of `key` on `driver`, or undefined when nobody waits there. */
export function localQueueOf(driver: LockDriver, key: string): LocalQueue | undefined {
  return queues.get(driver)?.get(key);
}

/** The local queue of `key` on `driver`, created when missing (and dropped again once empty). */
export function localQueueFor(driver: LockDriver, key: string): LocalQueue {
  let byKey = queues.get(driver);
  if (!byKey) {
    byKey = new Map();
    queues.set(driver, byKey);
  }
  let queue = byKey.get(key);
  if (!queue) {
    const created: LocalQueue = new LocalQueue(() => {
      if (byKey!.get(key) === created) byKey!.delete(key);
    });
    queue = created;
    byKey.set(key, queue);
  }
  return queue;
}

/**
 * Tells this process's waiters that this process released `key` on `driver` (or withdrew a
 * claim there): the head of the local queue tries at once. Waiters in other processes hear of
 * it only through the backend (its notifications, or their next poll).
 */
export function announceLocalRelease(driver: LockDriver, key: string): void {
  queues.get(driver)?.get(key)?.head?.wake();
}
