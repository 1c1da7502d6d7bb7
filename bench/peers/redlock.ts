/**
 * redlock 4 (the Redlock algorithm over N independent servers; here N = 1). It ships no type
 * declarations, so the little of its API used here is typed below.
 */
import type { Redis } from 'ioredis';
import { BENCH_TTL_MS, type Peer } from './peer';

/** redlock's retry options; its defaults are retryCount 10, retryDelay 200 ms, retryJitter 100 ms. */
interface RedlockOptions {
  retryCount?: number;
  retryDelay?: number;
  retryJitter?: number;
}

interface RedlockLock {
  unlock(): PromiseLike<void>;
}

interface Redlock {
  lock(resource: string, ttl: number): PromiseLike<RedlockLock>;
}

type RedlockConstructor = new (clients: Redis[], options?: RedlockOptions) => Redlock;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RedlockClass = require('redlock') as RedlockConstructor;

/**
 * redlock with `options` (none: its defaults). A busy acquire retries `retryCount` times, every
 * `retryDelay` ± `retryJitter` ms, then rejects; that rejection counts as giving up.
 * redlock cannot be cancelled: once started, an acquire keeps retrying after `signal` aborts,
 * until it gets the lock or runs out of retries.
 */
export function redlockPeer(options?: RedlockOptions): Peer {
  const label = options?.retryCount === 0 ? 'redlock (retryCount 0)' : 'redlock (defaults)';
  return {
    name: label,
    id: options?.retryCount === 0 ? 'redlock-once' : 'redlock',
    contender(client, key) {
      const redlock = new RedlockClass([client], options);
      let held: RedlockLock | undefined;
      return {
        async acquire(signal) {
          if (signal?.aborted) return false;
          try {
            held = await redlock.lock(key, BENCH_TTL_MS);
            return true;
          } catch {
            return false;
          }
        },
        async release() {
          const lock = held;
          held = undefined;
          await lock?.unlock();
        },
      };
    },
  };
}
