/**
 * sherlock-rx through its two public styles: the Promise API (`RedisLock` / `EtcdLock`
 * `acquire/release`) and the reactive one (`acquire$()` emitting a handle, released with
 * `handle.release()`). Always with a user client and the default retry settings
 * (retryInterval 100 ms + jitter, woken early by the release notification).
 */
import { Subscription } from 'rxjs';
import type { Etcd3 } from 'etcd3';
import type { Client as MemjsClient } from 'memjs';
import type { Redis } from 'ioredis';
import { EtcdLock, isLockBackendError, MemcachedLock, RedisLock, type Lock, type LockHandle } from '../../lib/index';
import { BENCH_TTL_MS, type Peer, type RenewingPeer } from './peer';

/** `await lock.acquire()` / `await lock.release()` on a lock made by `create`. */
function promisePeer<C>(name: string, id: string, create: (key: string, client: C) => Lock): Peer<C> {
  return {
    name,
    id,
    contender(client, key) {
      const lock = create(key, client);
      return {
        async acquire(signal) {
          try {
            return await lock.acquire({ signal });
          } catch {
            return false; // LockTimeoutError (10 s default) or the aborted signal
          }
        },
        release: () => lock.release(),
      };
    },
  };
}

/** `RedisLock` through the Promise API. */
export const sherlockPeer: Peer = promisePeer('sherlock-rx RedisLock', 'sherlock-rx', (key, client) => new RedisLock(key, { client, expire: BENCH_TTL_MS }));

/** `EtcdLock` through the Promise API. */
export const sherlockEtcdPeer: Peer<Etcd3> = promisePeer('sherlock-rx EtcdLock', 'sherlock-rx-etcd', (key, client) => new EtcdLock(key, { client, expire: BENCH_TTL_MS }));

/** `MemcachedLock` through the Promise API. */
export const sherlockMemcachedPeer: Peer<MemjsClient> = promisePeer(
  'sherlock-rx MemcachedLock',
  'sherlock-rx-memcached',
  (key, client) => new MemcachedLock(key, { client, expire: BENCH_TTL_MS }),
);

/** `lock.acquire$().subscribe(handle => ...)`, then `await handle.release()` and unsubscribe. */
export const sherlockObservablePeer: Peer = {
  name: 'sherlock-rx acquire$() handle',
  id: 'sherlock-rx-observable',
  contender(client, key) {
    const lock = new RedisLock(key, { client, expire: BENCH_TTL_MS });
    let held: { handle: LockHandle; subscription: Subscription } | undefined;
    return {
      acquire(signal) {
        return new Promise<boolean>((resolve) => {
          // Created first, so that the callbacks below can refer to it whenever they run.
          const subscription = new Subscription();
          const onAbort = (): void => {
            subscription.unsubscribe();
            resolve(false);
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          subscription.add(
            lock.acquire$().subscribe({
              next: (handle) => {
                signal?.removeEventListener('abort', onAbort);
                held = { handle, subscription };
                resolve(true);
              },
              // Before the grant: the 10 s default timeout. After it: already resolved, ignored.
              error: () => resolve(false),
            }),
          );
        });
      },
      async release() {
        const current = held;
        held = undefined;
        if (!current) return;
        await current.handle.release();
        current.subscription.unsubscribe();
      },
    };
  },
};

/** How many locks the renewal scenario acquires at once. */
const ACQUIRE_BATCH = 50;

/** Acquires a free `lock`, retrying up to 3 times when the backend did not answer in time. */
async function acquirePatiently(lock: Lock): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (await lock.acquire()) return;
      throw new Error(`${lock.name}: a free lock was not granted`);
    } catch (err) {
      if (attempt >= 3 || !isLockBackendError(err)) throw err;
    }
  }
}

/** Locks made by `create` with `autoRenew: true`: renewed about every `expire / 3`. */
function renewingPeer<C>(name: string, id: string, create: (key: string, client: C, expireMs: number) => Lock): RenewingPeer<C> {
  return {
    name,
    id,
    renewPeriodMs: (expireMs) => expireMs / 3,
    async holdAll(client, keys, expireMs) {
      const locks = keys.map((key) => create(key, client, expireMs));
      // In batches, each retried on a backend error: thousands of acquires at once queue past
      // the backend's call deadline on a busy etcd (3,000 at once failed there with one lease
      // per lock, and batches of 250 on a loaded machine); holding, not acquiring, is measured.
      for (let i = 0; i < locks.length; i += ACQUIRE_BATCH) {
        await Promise.all(locks.slice(i, i + ACQUIRE_BATCH).map((lock) => acquirePatiently(lock)));
      }
      return async () => {
        const released = await Promise.allSettled(locks.map((lock) => lock.release()));
        return released.filter((r) => r.status === 'rejected').length; // LockLostError
      };
    },
  };
}

/** `RedisLock` with `autoRenew`. */
export const sherlockRenewingPeer: RenewingPeer<Redis> = renewingPeer(
  'sherlock-rx RedisLock autoRenew',
  'sherlock-rx',
  (key, client, expire) => new RedisLock(key, { client, expire, autoRenew: true }),
);

/** `EtcdLock` with `autoRenew`. */
export const sherlockEtcdRenewingPeer: RenewingPeer<Etcd3> = renewingPeer(
  'sherlock-rx EtcdLock autoRenew',
  'sherlock-rx-etcd',
  (key, client, expire) => new EtcdLock(key, { client, expire, autoRenew: true }),
);
