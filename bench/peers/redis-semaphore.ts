/**
 * redis-semaphore 5 `Mutex`: `SET NX PX` polled every `retryInterval` (default 10 ms) until
 * `acquireTimeout` (default 10 s); release is a Lua compare-and-delete.
 */
import { Mutex } from 'redis-semaphore';
import { BENCH_TTL_MS, type Peer, type RenewingPeer } from './peer';

/** redis-semaphore's Mutex with its default retry settings. */
export const redisSemaphorePeer: Peer = {
  name: 'redis-semaphore Mutex',
  id: 'redis-semaphore',
  contender(client, key) {
    const mutex = new Mutex(client, key, { lockTimeout: BENCH_TTL_MS });
    return {
      async acquire(signal) {
        try {
          return await mutex.tryAcquire(signal);
        } catch {
          return false; // aborted while waiting
        }
      },
      release: () => mutex.release(),
    };
  },
};

/** Each Mutex refreshes itself on its own `setInterval`, every 0.8 × `lockTimeout` (its default), one request each. */
export const redisSemaphoreRenewingPeer: RenewingPeer = {
  name: 'redis-semaphore Mutex (refresh)',
  id: 'redis-semaphore',
  renewPeriodMs: (expireMs) => Math.round(expireMs * 0.8),
  async holdAll(client, keys, expireMs) {
    let lost = 0;
    const mutexes = keys.map((key) => new Mutex(client, key, { lockTimeout: expireMs, onLockLost: () => void lost++ }));
    await Promise.all(mutexes.map((m) => m.acquire()));
    return async () => {
      await Promise.all(mutexes.map((m) => m.release()));
      return lost;
    };
  },
};
