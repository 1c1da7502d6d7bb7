import { expect } from 'chai';
import * as sinon from 'sinon';
import { firstValueFrom, materialize, toArray } from 'rxjs';
import { Lock, LockTimeoutError, MemoryLock, MemoryStore, backends, isLockTimeoutError, type BackendDescriptor } from '../../lib';
import { type LockDriver } from '../../lib/entries/backend';
import * as lockName from '../../lib/core/lock-name';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';

let registered = 0;
/** A registered backend over `driver` whose keyFor is a sinon spy over the base rules. */
function spiedBackend(driver: LockDriver): BackendDescriptor<undefined> & { keyFor: sinon.SinonSpy } {
  return backends.register({
    name: `lock-spec-${++registered}`,
    keyFor: sinon.spy((name: string, namespace: string | null) => {
      lockName.assertBaseName(name, namespace);
      return namespace ? `${namespace}:${name}` : name;
    }),
    driverFor: () => driver,
  }) as BackendDescriptor<undefined> & { keyFor: sinon.SinonSpy };
}

describe('Lock', function () {
  afterEach(() => sinon.restore());

  describe('lock name', function () {
    it('is checked once per lock when the backend is known at construction', async function () {
      const backend = spiedBackend(new MemoryDriver(new MemoryStore()));
      const lock = new Lock('job', { backend, namespace: 'app' });
      expect(lock.key).to.equal('app:job');
      expect(await lock.acquire()).to.equal(true);
      await lock.release();
      expect(await lock.locked()).to.equal(false);
      expect(backend.keyFor.callCount).to.equal(1);
    });

    it('applies the base rules once for a built-in backend', async function () {
      const base = sinon.spy(lockName, 'assertBaseName');
      const lock = new MemoryLock('job', { client: new MemoryStore() });
      expect(await lock.acquire()).to.equal(true);
      await lock.release();
      expect(base.callCount).to.equal(1);
    });
  });

  describe('acquire(false)', function () {
    it('answers false for a busy lock, and the one-attempt acquire$ still errors with LockTimeoutError', async function () {
      const store = new MemoryStore();
      const holder = new MemoryLock('busy', { client: store });
      expect(await holder.acquire()).to.equal(true);
      const other = new MemoryLock('busy', { client: store });
      expect(await other.acquire(false)).to.equal(false);
      const err = await firstValueFrom(other.acquire$({ timeout: 0 })).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LockTimeoutError);
      expect((err as Error).message).to.match(/is held by another owner/);
      await holder.release();
      expect(await other.acquire(false)).to.equal(true);
      await other.release();
    });

    it('reports a LockTimeoutError thrown by the backend instead of taking it for a busy lock', async function () {
      const failure = new LockTimeoutError('the driver gave up on its own', { lockName: 'job' });
      const driver: LockDriver = {
        backend: 'timing-out',
        tryAcquire: () => Promise.reject(failure),
        release: async () => true,
        renew: async () => false,
        isLocked: async () => false,
      };
      const lock = new Lock('job', { backend: spiedBackend(driver) });
      const outcome = await lock.acquire(false).catch((e: unknown) => e);
      expect(isLockTimeoutError(outcome), String(outcome)).to.equal(true);
      expect(outcome).to.equal(failure);
      // The instance's turn was given back: the next caller is not stuck behind the failure.
      driver.tryAcquire = async () => ({ acquired: true });
      expect(await lock.acquire(false)).to.equal(true);
      await lock.release();
    });

    it('keeps hold({ blocking: false }) rejecting with LockTimeoutError on a busy lock', async function () {
      const store = new MemoryStore();
      const holder = new MemoryLock('busy', { client: store });
      await holder.acquire();
      const err = await new MemoryLock('busy', { client: store }).hold({ blocking: false }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LockTimeoutError);
      await holder.release();
    });
  });

  describe('acquire() on a busy lock', function () {
    it('times out with a message that gives the timeout asked for', async function () {
      const store = new MemoryStore();
      const holder = new MemoryLock('busy', { client: store });
      await holder.acquire();
      const err = await new MemoryLock('busy', { client: store, retryInterval: 10 }).acquire({ timeout: 150 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LockTimeoutError);
      expect((err as Error).message).to.equal('Lock "busy" was not acquired within 150 ms (timeout).');
      await holder.release();
    });
  });

  describe('acquire$({ timeout: 0 })', function () {
    it('errors without emitting when the lock is busy', async function () {
      const store = new MemoryStore();
      const holder = new MemoryLock('busy', { client: store });
      await holder.acquire();
      const events = await firstValueFrom(new MemoryLock('busy', { client: store }).acquire$({ timeout: 0 }).pipe(materialize(), toArray()));
      expect(events.map((e) => e.kind)).to.deep.equal(['E']);
      await holder.release();
    });
  });
});
