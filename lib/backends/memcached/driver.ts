/**
 * The memcached {@link LockDriver}: the atomic primitives of the lock over a memjs client.
 * Loaded lazily by the descriptor, so that only a process using memcached loads memjs. Client
 * and protocol failures are thrown as they are: the core wraps them into `LockBackendError`.
 */
import type { AcquireAttempt, LockDriver, LockTarget } from '../../core/driver';
import { tryAcquireLock } from './acquire';
import { renewLock } from './renew';
import { readItem } from './read';
import { releaseLock } from './release';
import { memcachedScope } from './scope';
import type { MemjsClient } from './send';

export { closeClient, createDefaultClient } from './default-client';

const BACKEND = 'memcached';

/**
 * Drives locks over one memjs client. Memcached has no release notification, so there is no
 * `watchReleases`: waiters poll every `retryInterval` (the core adds jitter), and a release made
 * by this process wakes its waiters at once (see `releaseScope`).
 */
export class MemcachedDriver implements LockDriver {
  readonly backend = BACKEND;
  /**
   * The client's servers: this process's clients of one memcached share the release bus, so a
   * release on one wakes a waiter on another at once instead of at its next poll.
   */
  readonly releaseScope: string | undefined;

  constructor(readonly client: MemjsClient) {
    this.releaseScope = memcachedScope(client);
  }

  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    return tryAcquireLock(this.client, target);
  }

  release(target: LockTarget): Promise<boolean> {
    return releaseLock(this.client, target);
  }

  renew(target: LockTarget): Promise<boolean> {
    return renewLock(this.client, target);
  }

  async isLocked(key: string): Promise<boolean> {
    return (await readItem(this.client, key)) !== null;
  }
}
