import { expect } from 'chai';
import { lastValueFrom, of, throwError } from 'rxjs';
import { Lock, MemoryStore, backends, isLockBackendError, withLock } from '../../lib';
import { type LockDriver } from '../../lib/entries/backend';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';

let registered = 0;
/** A lock whose release always fails on the backend (e.g. the server went away mid-work). */
function lockWithFailingRelease(): Lock {
  const memory = new MemoryDriver(new MemoryStore());
  const driver: LockDriver = {
    backend: 'failing-release',
    tryAcquire: (t) => memory.tryAcquire(t),
    release: () => Promise.reject(new Error('connection lost')),
    renew: (t) => memory.renew(t),
    isLocked: (key) => memory.isLocked(key),
  };
  const backend = backends.register({ name: `failing-release-${++registered}`, keyFor: (n) => n, driverFor: () => driver });
  return new Lock('job', { backend });
}

describe('withLock', function () {
  it("keeps the work's own error when the release after it fails too", async function () {
    const workError = new Error('the work failed');
    const err = await lastValueFrom(throwError(() => workError).pipe(withLock(lockWithFailingRelease()))).catch((e: unknown) => e);
    expect(err).to.equal(workError);
  });

  it('errors with the release failure when the work itself completed', async function () {
    const err = await lastValueFrom(of(1).pipe(withLock(lockWithFailingRelease()))).catch((e: unknown) => e);
    expect(isLockBackendError(err), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/failed to release lock "job": connection lost/);
  });
});
