/**
 * Memory backend cycle rate: one lock acquired and released in a tight loop through the
 * Promise API, next to `async-mutex` (no expiry, tokens or fencing): no network, so what is
 * measured is the library's own cost per acquisition, which every backend pays.
 */
import { Mutex } from 'async-mutex';
import { MemoryLock, MemoryStore } from '../../lib/index';
import type { ResultRow } from '../model/results';
import type { PeerLock } from '../peers/peer';
import { cycleFor, interleave, type UncontendedSettings } from './uncontended';

/** async-mutex's `Mutex`: `acquire()` resolves with the release function. */
function asyncMutexLock(): PeerLock {
  const mutex = new Mutex();
  let release: (() => void) | undefined;
  return {
    // Not an async function: its extra promise hops would be charged to async-mutex.
    acquire: () =>
      mutex.acquire().then((releaser) => {
        release = releaser;
        return true;
      }),
    release() {
      release?.();
      release = undefined;
      return Promise.resolve();
    },
  };
}

/** sherlock-rx's `MemoryLock` through `await lock.acquire()` / `await lock.release()`. */
function memoryLock(): PeerLock {
  const lock = new MemoryLock('bench-memory-cycle', { client: new MemoryStore(), expire: 10_000 });
  return { acquire: () => lock.acquire(), release: () => lock.release() };
}

/** Runs async-mutex (the baseline) and MemoryLock in rotated blocks. */
export function runMemoryCycles(settings: UncontendedSettings): Promise<ResultRow[]> {
  const peers = [
    { id: 'async-mutex', name: 'async-mutex Mutex', lock: asyncMutexLock() },
    { id: 'sherlock-rx-memory', name: 'sherlock-rx MemoryLock', lock: memoryLock() },
  ];
  return interleave(peers, peers.map((p) => (ms: number) => cycleFor(p.name, [p.lock], ms)), settings);
}
