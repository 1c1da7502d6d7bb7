/**
 * The memcached {@link LockDriver}: the atomic primitives of the lock over a memjs client.
 * Loaded lazily by the descriptor, so that only a process using memcached loads memjs.
 */
import type { AcquireAttempt, LockDriver, LockTarget } from '../../core/driver';
import { toBackendError } from '../../errors';
import { tryAcquireLock } from './acquire';
import { renewLock } from './renew';
import { readItem } from './read';
import { releaseLock } from './release';
import type { MemjsClient } from './send';

export { closeClient, createDefaultClient } from './default-client';

const BACKEND = 'memcached';

/**
 * Drives locks over one memjs client. Memcached has no release notification, so there is no
 * `watchReleases`: waiters poll every `retryInterval` (the core adds jitter).
 */
export class MemcachedDriver implements LockDriver {
  readonly backend = BACKEND;

  constructor(readonly client: MemjsClient) {}

  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    return wrap(tryAcquireLock(this.client, target), target.name, 'acquire');
  }

  release(target: LockTarget): Promise<boolean> {
    return wrap(releaseLock(this.client, target), target.name, 'release');
  }

  renew(target: LockTarget): Promise<boolean> {
    return wrap(renewLock(this.client, target), target.name, 'renew');
  }

  async isLocked(key: string): Promise<boolean> {
    return (await wrap(readItem(this.client, key), key, 'check')) !== null;
  }
}

/** Surfaces memjs and protocol failures as `LockBackendError` (cause kept). */
function wrap<T>(request: Promise<T>, lockName: string, action: string): Promise<T> {
  return request.catch((err: unknown) => {
    throw toBackendError(err, lockName, BACKEND, action);
  });
}
