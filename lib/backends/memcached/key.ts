/**
 * Memcached keys: Python sherlock's `<namespace>_<name>` format, memcached's limits, and the
 * key of the fencing counter that sits next to each lock.
 */
import { LockConfigurationError } from '../../errors';
import { sherlockKey } from '../key-format';

/** Memcached's limit on a key, in bytes. */
export const MAX_KEY_BYTES = 250;

/**
 * Suffix of a lock's fencing counter key (`<key>#fence`). Lock names ending with it are
 * refused, so no lock's key can ever be another lock's counter.
 */
export const FENCE_SUFFIX = '#fence';

/** The key of the fencing counter of the lock stored at `key`. */
export function fenceKeyOf(key: string): string {
  return key + FENCE_SUFFIX;
}

/**
 * The memcached key of a lock (`<namespace>_<name>`, or `<name>` without a namespace).
 * Throws {@link LockConfigurationError} for a name memcached cannot store: spaces or control
 * characters (the text protocol, which Python clients speak, splits on them), a key longer
 * than 250 bytes in UTF-8 once the fencing counter's suffix is added, or a name ending with
 * the reserved suffix `#fence`.
 */
export function memcachedKey(name: string, namespace: string | null): string {
  for (const [what, part] of [
    ['lock name', name],
    ['namespace', namespace],
  ] as const) {
    if (part !== null && part !== undefined && part.includes(' ')) {
      throw new LockConfigurationError(
        `Invalid ${what} ${JSON.stringify(part)} for memcached: memcached keys cannot contain spaces.`,
        { lockName: name },
      );
    }
  }
  const key = sherlockKey(name, namespace);
  if (key.endsWith(FENCE_SUFFIX)) {
    throw new LockConfigurationError(
      `Invalid lock name ${JSON.stringify(name)} for memcached: names ending with "${FENCE_SUFFIX}" are reserved for the fencing counters.`,
      { lockName: name },
    );
  }
  const bytes = Buffer.byteLength(fenceKeyOf(key), 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    const budget = MAX_KEY_BYTES - Buffer.byteLength(FENCE_SUFFIX);
    throw new LockConfigurationError(
      `Invalid lock name ${JSON.stringify(name.slice(0, 40))}... for memcached: the key "${namespace ? 'namespace_' : ''}name" is ` +
        `${Buffer.byteLength(key, 'utf8')} bytes in UTF-8, and memcached keys are limited to ${MAX_KEY_BYTES} bytes including ` +
        `the fencing counter's suffix "${FENCE_SUFFIX}", so at most ${budget} bytes are allowed.`,
      { lockName: name },
    );
  }
  return key;
}
