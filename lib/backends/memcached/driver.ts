/**
 * The memcached {@link LockDriver}: the atomic primitives of the lock over a memjs client.
 * Loaded lazily by the descriptor, so that only a process using memcached loads memjs.
 */
import type { AcquireAttempt, LockDriver, LockTarget } from '../driver';
import { toBackendError } from '../../errors';
import { tryAcquireLock } from './acquire';
import { extendLock } from './extend';
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

  async tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    try {
      return await tryAcquireLock(this.client, target);
    } catch (err) {
      throw toBackendError(err, target.name, BACKEND, 'acquire');
    }
  }

  async release(target: LockTarget): Promise<boolean> {
    try {
      return await releaseLock(this.client, target);
    } catch (err) {
      throw toBackendError(err, target.name, BACKEND, 'release');
    }
  }

  async extend(target: LockTarget): Promise<boolean> {
    try {
      return await extendLock(this.client, target);
    } catch (err) {
      throw toBackendError(err, target.name, BACKEND, 'extend');
    }
  }

  async isLocked(key: string): Promise<boolean> {
    try {
      return (await readItem(this.client, key)) !== null;
    } catch (err) {
      throw toBackendError(err, key, BACKEND, 'check');
    }
  }
}
