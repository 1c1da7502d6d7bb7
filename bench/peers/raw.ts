/**
 * The baseline: the textbook single-instance Redis lock, with nothing around it.
 * Acquire is `SET key token NX PX ttl`; release is a Lua compare-and-delete sent as EVALSHA
 * (the script is loaded once per client). Two round trips per cycle, the least any
 * owner-checked Redis lock can do. Like redis-semaphore, a contender draws its token once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BENCH_TTL_MS, type Peer, type PeerLock } from './peer';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const loaded = new WeakMap<Redis, Promise<string>>();

/** The SHA1 of the release script, loaded on `client` once. */
function releaseSha(client: Redis): Promise<string> {
  let sha = loaded.get(client);
  if (!sha) {
    sha = client.script('LOAD', RELEASE_LUA) as Promise<string>;
    loaded.set(client, sha);
  }
  return sha;
}

/**
 * The raw lock. With `spin`, a busy acquire retries at once (the next request leaves as soon as
 * the previous reply arrives): the lowest handoff latency possible, paid for in server load.
 * Without it, a busy acquire gives up (one attempt).
 */
export function rawPeer({ spin }: { spin: boolean }): Peer {
  return {
    name: spin ? 'raw SET NX, spinning' : 'raw SET NX + Lua delete',
    id: spin ? 'raw-spin' : 'raw',
    contender(client: Redis, key: string): PeerLock {
      const token = randomUUID();
      const sha = releaseSha(client);
      return {
        async acquire(signal) {
          for (;;) {
            if (signal?.aborted) return false;
            if ((await client.set(key, token, 'PX', BENCH_TTL_MS, 'NX')) === 'OK') return true;
            if (!spin) return false;
          }
        },
        async release() {
          await client.evalsha(await sha, 1, key, token);
        },
      };
    },
  };
}
