import { expect } from 'chai';
import * as sinon from 'sinon';
import { Observable, from, lastValueFrom, of, throwError, toArray } from 'rxjs';
import {
  Lock,
  LockConfigurationError,
  LockLostError,
  LockTimeoutError,
  MemoryLock,
  MemoryStore,
  backends,
  isLockBackendError,
  withLock,
  type LockHandle,
} from '../../lib';
import { type LockDriver } from '../../lib/entries/backend';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';
import { eventually } from '../support/async';

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

  describe('with a factory of the work', function () {
    let store: MemoryStore;
    const lockOn = () => new MemoryLock('job', { client: store, timeout: 5_000, retryInterval: 10 });
    /** Resolves with the error `source` ends with (rejects if it succeeds). */
    const failure = (source: Observable<unknown>) =>
      lastValueFrom(source).then(
        (v) => Promise.reject(new Error(`expected an error, got ${String(v)}`)),
        (e: unknown) => e,
      );

    beforeEach(() => (store = new MemoryStore()));
    afterEach(() => sinon.restore());

    it('is cold: nothing is acquired and the factory is not called before subscription', async function () {
      const lock = lockOn();
      const factory = sinon.spy(() => 1);
      const add = sinon.spy(store, 'add');
      const work$ = withLock(lock, factory);
      await Promise.resolve();
      expect(factory.called).to.equal(false);
      expect(add.called).to.equal(false);
      expect(await lastValueFrom(work$)).to.equal(1);
    });

    it('calls the factory only once the lock is granted, with the held handle', async function () {
      const holder = lockOn();
      expect(await holder.acquire()).to.equal(true);
      const add = sinon.spy(store, 'add');
      const seen: Array<{ state: string; othersGetIt: boolean }> = [];
      const factory = sinon.spy(async (handle: LockHandle) => {
        seen.push({ state: handle.state, othersGetIt: await lockOn().acquire(false) });
        return handle.fencingToken;
      });
      const result = lastValueFrom(withLock(lockOn(), factory));
      // The waiter has asked the backend and been refused at least twice: it is waiting, and the work has not started.
      await eventually(() => expect(add.callCount).to.be.at.least(2));
      expect(factory.called).to.equal(false);
      await holder.release();
      const fence = await result;
      expect(factory.calledOnce).to.equal(true);
      expect(seen).to.deep.equal([{ state: 'held', othersGetIt: false }]);
      expect(fence).to.be.a('number');
      expect(await holder.locked()).to.equal(false);
    });

    it('mirrors an Observable, a Promise, and a plain value (an array is one value)', async function () {
      expect(await lastValueFrom(withLock(lockOn(), () => of(1, 2, 3)).pipe(toArray()))).to.deep.equal([1, 2, 3]);
      expect(await lastValueFrom(withLock(lockOn(), async () => 'p'))).to.equal('p');
      expect(await lastValueFrom(withLock(lockOn(), () => [1, 2]).pipe(toArray()))).to.deep.equal([[1, 2]]);
      const typed: Observable<number> = withLock(lockOn(), async () => 1);
      expect(await lastValueFrom(typed)).to.equal(1);
      expect(await lockOn().locked()).to.equal(false);
    });

    it('releases and errors with the error of a synchronous throw or a rejected Promise', async function () {
      const boom = new Error('boom');
      expect(
        await failure(
          withLock(lockOn(), () => {
            throw boom;
          }),
        ),
      ).to.equal(boom);
      expect(await lockOn().locked()).to.equal(false);
      expect(await failure(withLock(lockOn(), () => Promise.reject(boom)))).to.equal(boom);
      expect(await lockOn().locked()).to.equal(false);
    });

    it('fails with LockTimeoutError and never calls the factory when the lock stays busy', async function () {
      const holder = lockOn();
      expect(await holder.acquire()).to.equal(true);
      const factory = sinon.spy(() => 1);
      const busy = new MemoryLock('job', { client: store, timeout: 0 });
      expect(await failure(withLock(busy, factory))).to.be.instanceOf(LockTimeoutError);
      expect(factory.called).to.equal(false);
      await holder.release();
    });

    it('cancels Observable work and aborts handle.signal with LockLostError when the lock is lost', async function () {
      const lock = lockOn();
      let cancelled = false;
      let signal: AbortSignal | undefined;
      let handle: LockHandle | undefined;
      const result = failure(
        withLock(lock, (h) => {
          handle = h;
          signal = h.signal;
          return new Observable<never>(() => () => (cancelled = true));
        }),
      );
      await eventually(() => expect(handle).to.not.equal(undefined));
      store.forceDelete(lock.key);
      expect(await handle!.renew()).to.equal(false);
      expect(await result).to.be.instanceOf(LockLostError);
      expect(cancelled).to.equal(true);
      expect(signal!.aborted).to.equal(true);
      expect(signal!.reason).to.be.instanceOf(LockLostError);
    });

    it('errors with LockLostError when the lock is lost while Promise work runs', async function () {
      const lock = lockOn();
      const err = await failure(
        withLock(lock, async (h) => {
          store.forceDelete(lock.key);
          await h.renew();
          return 'done, but unprotected';
        }),
      );
      expect(err).to.be.instanceOf(LockLostError);
    });

    it('releases when unsubscribed', async function () {
      const lock = lockOn();
      const sub = withLock(lock, () => new Observable<never>()).subscribe();
      await eventually(async () => expect(await lock.locked()).to.equal(true));
      sub.unsubscribe();
      await eventually(async () => expect(await lock.locked()).to.equal(false));
    });

    it('rejects a work that is not a function with LockConfigurationError', function () {
      expect(() => withLock(lockOn(), 42 as unknown as () => number)).to.throw(LockConfigurationError);
    });

    it('documents the pitfall: from(promise).pipe(withLock(lock)) starts the work before the grant', async function () {
      const holder = lockOn();
      expect(await holder.acquire()).to.equal(true);
      let ranWhileHeldElsewhere = false;
      const doWork = async () => {
        ranWhileHeldElsewhere = await holder.locked();
        return 1;
      };
      // Wrong: the Promise is eager, so doWork() runs now, while another owner holds the lock.
      const wrong = lastValueFrom(from(doWork()).pipe(withLock(lockOn())));
      await eventually(() => expect(ranWhileHeldElsewhere).to.equal(true));
      await holder.release();
      expect(await wrong).to.equal(1);
      // Right: the factory starts it only once this lock is held.
      expect(await holder.acquire()).to.equal(true);
      let started = false;
      const add = sinon.spy(store, 'add');
      const right = lastValueFrom(withLock(lockOn(), () => ((started = true), doWork())));
      await eventually(() => expect(add.callCount).to.be.at.least(2));
      expect(started).to.equal(false);
      await holder.release();
      expect(await right).to.equal(1);
      expect(started).to.equal(true);
    });
  });
});
