import { expect } from 'chai';
import * as sinon from 'sinon';
import {
  Lock,
  LockConfigurationError,
  LockLostError,
  LockTimeoutError,
  MemoryLock,
  MemoryStore,
  backends,
  isLockBackendError,
  isLockLostError,
  type LockHandle,
} from '../../lib';
import { type LockDriver } from '../../lib/entries/backend';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';

let registered = 0;
/** A lock whose release always fails on the backend (e.g. the server went away mid-work). */
function lockWithFailingRelease(store: MemoryStore): Lock {
  const memory = new MemoryDriver(store);
  const driver: LockDriver = {
    backend: 'failing-release',
    tryAcquire: (t) => memory.tryAcquire(t),
    release: () => Promise.reject(new Error('connection lost')),
    renew: (t) => memory.renew(t),
    isLocked: (key) => memory.isLocked(key),
  };
  const backend = backends.register({ name: `run-failing-release-${++registered}`, keyFor: (n) => n, driverFor: () => driver });
  return new Lock('job', { backend });
}

/** Settles `promise` into its outcome, so a test can look at a rejection. */
const outcome = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe('Lock.run()', function () {
  let store: MemoryStore;
  const lockOn = (name = 'job') => new MemoryLock(name, { client: store, timeout: 5_000, retryInterval: 10 });

  beforeEach(() => (store = new MemoryStore()));

  it('calls fn with the held handle, resolves with its value and releases', async function () {
    const lock = lockOn();
    let seen: { state: string; locked: boolean; othersGetIt: boolean } | undefined;
    const value = await lock.run(async (handle) => {
      seen = { state: handle.state, locked: await lock.locked(), othersGetIt: await lockOn().acquire(false) };
      return 42;
    });
    expect(value).to.equal(42);
    expect(seen).to.deep.equal({ state: 'held', locked: true, othersGetIt: false });
    expect(await lock.locked()).to.equal(false);
  });

  it('takes a synchronous fn and returns its value', async function () {
    const lock = lockOn();
    expect(await lock.run((handle) => handle.name)).to.equal('job');
    expect(await lock.locked()).to.equal(false);
  });

  it('infers the value type of an async fn', async function () {
    const value: number = await lockOn().run(async () => 1);
    expect(value).to.equal(1);
  });

  it('rethrows the error of a rejected fn, the same object, after releasing', async function () {
    const lock = lockOn();
    const boom = new Error('boom');
    let handle: LockHandle | undefined;
    const result = await outcome(
      lock.run(async (h) => {
        handle = h;
        await Promise.resolve();
        throw boom;
      }),
    );
    expect(result).to.deep.equal({ ok: false, error: boom });
    expect(handle!.state).to.equal('released');
    expect(await lock.locked()).to.equal(false);
  });

  it('rethrows a synchronous throw of fn and releases', async function () {
    const lock = lockOn();
    const boom = new Error('sync boom');
    const result = await outcome(
      lock.run(() => {
        throw boom;
      }),
    );
    expect(result).to.deep.equal({ ok: false, error: boom });
    expect(await lock.locked()).to.equal(false);
  });

  it('never calls fn when the lock is busy (blocking: false) and rejects with LockTimeoutError', async function () {
    const holder = lockOn();
    expect(await holder.acquire()).to.equal(true);
    const fn = sinon.spy();
    const result = await outcome(lockOn().run(fn, { blocking: false }));
    expect(result.ok).to.equal(false);
    expect((result as { error: unknown }).error).to.be.instanceOf(LockTimeoutError);
    expect(fn.called).to.equal(false);
    await holder.release();
  });

  it('never calls fn when the wait is aborted, and rejects with the reason', async function () {
    const holder = lockOn();
    expect(await holder.acquire()).to.equal(true);
    const ac = new AbortController();
    const fn = sinon.spy();
    const running = outcome(lockOn().run(fn, { signal: ac.signal }));
    const why = new Error('user gave up');
    ac.abort(why);
    expect(await running).to.deep.equal({ ok: false, error: why });
    expect(fn.called).to.equal(false);
    await holder.release();
    expect(await holder.locked()).to.equal(false);
  });

  it('rejects with LockConfigurationError for a non-function, acquiring nothing', async function () {
    const lock = lockOn();
    const result = await outcome(lock.run(42 as unknown as () => void));
    expect((result as { error: unknown }).error).to.be.instanceOf(LockConfigurationError);
    expect(await lock.locked()).to.equal(false);
  });

  describe('when the lock is lost while fn runs', function () {
    /** Takes the lock away behind the holder's back and lets a renewal discover it. */
    const loseIt = async (lock: Lock, handle: LockHandle) => {
      store.forceDelete(lock.key);
      expect(await lockOn().acquire(false)).to.equal(true);
      expect(await handle.renew()).to.equal(false);
    };

    it('aborts handle.signal with LockLostError and rejects with it even though fn resolved', async function () {
      const lock = lockOn();
      let signal: AbortSignal | undefined;
      const result = await outcome(
        lock.run(async (handle) => {
          signal = handle.signal;
          await loseIt(lock, handle);
          return 'done, but unprotected';
        }),
      );
      expect(signal!.aborted).to.equal(true);
      expect(isLockLostError(signal!.reason)).to.equal(true);
      expect(result.ok).to.equal(false);
      expect((result as { error: unknown }).error).to.equal(signal!.reason);
      // The new owner's lock is left alone.
      expect(await lock.locked()).to.equal(true);
    });

    it("rejects with fn's own error when fn failed after the loss", async function () {
      const lock = lockOn();
      const boom = new Error('stopped');
      const result = await outcome(
        lock.run(async (handle) => {
          await loseIt(lock, handle);
          throw boom;
        }),
      );
      expect(result).to.deep.equal({ ok: false, error: boom });
    });

    it('rejects with the loss itself when fn rethrew its signal reason', async function () {
      const lock = lockOn();
      const result = await outcome(
        lock.run(async (handle) => {
          await loseIt(lock, handle);
          handle.signal.throwIfAborted();
        }),
      );
      expect((result as { error: unknown }).error).to.be.instanceOf(LockLostError);
    });
  });

  describe('when the release fails', function () {
    it('rejects with the release error after fn resolved', async function () {
      const result = await outcome(lockWithFailingRelease(store).run(async () => 'value'));
      expect(result.ok).to.equal(false);
      expect(isLockBackendError((result as { error: unknown }).error), String((result as { error: unknown }).error)).to.equal(true);
    });

    it("keeps fn's error, unchanged, when fn failed too", async function () {
      const boom = new Error('the work failed');
      const result = await outcome(
        lockWithFailingRelease(store).run(() => {
          throw boom;
        }),
      );
      expect(result).to.deep.equal({ ok: false, error: boom });
      expect(boom.cause).to.equal(undefined);
    });
  });

  describe('on one shared instance', function () {
    it('runs concurrent calls one at a time, each with its own handle', async function () {
      const shared = lockOn();
      let inside = 0;
      let maxInside = 0;
      const tokens = new Set<string>();
      const task = (i: number) =>
        shared.run(async (handle) => {
          tokens.add(handle.token);
          inside++;
          maxInside = Math.max(maxInside, inside);
          // Yield a few times so that the others get every chance to get in.
          for (let k = 0; k < 5; k++) await new Promise((resolve) => setImmediate(resolve));
          inside--;
          return i;
        });
      const results = await Promise.all([0, 1, 2, 3, 4].map(task));
      expect(results).to.deep.equal([0, 1, 2, 3, 4]);
      expect(maxInside).to.equal(1);
      expect(tokens.size).to.equal(5);
      expect(await shared.locked()).to.equal(false);
    });

    it("neither takes nor waits for the instance's acquire() turn", async function () {
      const shared = lockOn();
      const add = sinon.spy(store, 'add');
      await shared.run(async () => {
        // Had run() taken the instance's turn, acquire(false) would answer false without asking the backend.
        expect(await shared.acquire(false)).to.equal(false);
        expect(add.callCount).to.equal(2);
      });
      // And a caller holding the turn does not keep run() out: it waits for the backend lock only.
      expect(await shared.acquire()).to.equal(true);
      const fn = sinon.spy();
      const result = await outcome(shared.run(fn, { blocking: false }));
      expect((result as { error: unknown }).error).to.be.instanceOf(LockTimeoutError);
      expect(add.callCount).to.equal(4);
      expect(fn.called).to.equal(false);
      await shared.release();
      expect(await shared.run(() => 'after release')).to.equal('after release');
    });
  });
});
