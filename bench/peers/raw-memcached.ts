/**
 * The memcached baseline: `add` (create if absent, with an expiry) to acquire, `delete` to
 * release, through memjs. Two round trips per cycle and no owner check on release: the least
 * a memcached lock can do. With `spin`, a busy acquire retries as soon as the reply arrives.
 */
import type { Client } from 'memjs';
import { BENCH_TTL_MS, type Peer } from './peer';

/** The raw memcached lock; without `spin`, a busy acquire gives up after one attempt. */
export function rawMemcachedPeer({ spin }: { spin: boolean }): Peer<Client> {
  return {
    name: spin ? 'raw memjs add, spinning' : 'raw memjs add + delete',
    id: spin ? 'raw-memcached-spin' : 'raw-memcached',
    contender(client, key) {
      return {
        async acquire(signal) {
          for (;;) {
            if (signal?.aborted) return false;
            if (await client.add(key, '1', { expires: BENCH_TTL_MS / 1000 })) return true;
            if (!spin) return false;
          }
        },
        async release() {
          await client.delete(key);
        },
      };
    },
  };
}
