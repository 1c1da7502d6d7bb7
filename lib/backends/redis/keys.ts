/**
 * Redis key and channel names. The lock key is Python sherlock's (`<namespace>_<name>`);
 * the fencing counter and the release channel are ours.
 */
import { LockConfigurationError } from '../../errors';
import { sherlockKey } from '../key-format';

/**
 * The Redis key of a lock: `<namespace>_<name>`, or `<name>` without a namespace (Python
 * sherlock's format). Names and namespaces containing `{` or `}` are rejected: Redis Cluster
 * hashes the text between braces (a hash tag), so such a key would not share a slot with its
 * fencing counter `{<key>}:fence`, and a lock named like another lock's counter would collide
 * with it.
 */
export function redisKeyFor(name: string, namespace: string | null): string {
  const parts: Array<[string, string | null]> = [
    ['lock name', name],
    ['namespace', namespace],
  ];
  for (const [what, value] of parts) {
    if (value && /[{}]/.test(value)) {
      throw new LockConfigurationError(
        `Invalid ${what} ${JSON.stringify(value)} for the redis backend: "{" and "}" are not allowed. ` +
          'Redis Cluster hashes the text between braces (a hash tag), so the lock key would not share a slot ' +
          'with its fencing counter "{<key>}:fence", and a lock could be named like another lock\'s counter.',
        { lockName: name },
      );
    }
  }
  return sherlockKey(name, namespace);
}

/**
 * The fencing counter of the lock at `key`. The braces make Redis Cluster hash only `key`, so
 * the counter lives in the lock key's slot (the acquire script touches both).
 */
export function fenceKeyOf(key: string): string {
  return `{${key}}:fence`;
}

/**
 * The waiter queue of the lock at `key`: a sorted set of the owner tokens waiting for it,
 * scored by arrival (server time in microseconds). In `key`'s slot, like the counter.
 */
export function waiterQueueKeyOf(key: string): string {
  return `{${key}}:waiters`;
}

/**
 * When each waiter of the lock at `key` last asked (server time in ms), so that the scripts
 * can drop waiters that stopped asking (a crashed process) instead of keeping the lock for them.
 */
export function waiterSeenKeyOf(key: string): string {
  return `{${key}}:seen`;
}

/**
 * The TTL (ms, `''` for none) each waiter of the lock at `key` asked for, so that a release can
 * hand the lock to the head of the queue with the head's own TTL.
 */
export function waiterTtlKeyOf(key: string): string {
  return `{${key}}:ttls`;
}

/** The keys the scripts of the lock at `lock` take. */
export interface LockKeys {
  readonly lock: string;
  readonly fence: string;
  readonly waiters: string;
  readonly seen: string;
  readonly ttls: string;
}

/** Most locks a {@link LockKeysCache} remembers before it starts over. */
export const LOCK_KEYS_CACHE_SIZE = 1_024;

/**
 * The {@link LockKeys} of recently used locks, so that a lock taken again and again does not
 * build its four key names on every acquire and release. Bounded: when full it starts over
 * (a miss only costs building the names again).
 */
export class LockKeysCache {
  private readonly byKey = new Map<string, LockKeys>();

  of(key: string): LockKeys {
    let keys = this.byKey.get(key);
    if (keys === undefined) {
      if (this.byKey.size >= LOCK_KEYS_CACHE_SIZE) this.byKey.clear();
      keys = { lock: key, fence: fenceKeyOf(key), waiters: waiterQueueKeyOf(key), seen: waiterSeenKeyOf(key), ttls: waiterTtlKeyOf(key) };
      this.byKey.set(key, keys);
    }
    return keys;
  }
}

/** Prefix of every release channel; the release script appends the (prefixed) lock key itself. */
export const RELEASE_CHANNEL_PREFIX = 'sherlock-rx:released:';

/**
 * The pub/sub channel the release script publishes on. ioredis prefixes keys but not channels,
 * so the client's `keyPrefix` is part of the name: two apps with different prefixes do not wake
 * each other.
 */
export function releaseChannelOf(keyPrefix: string, key: string): string {
  return `${RELEASE_CHANNEL_PREFIX}${keyPrefix}${key}`;
}
