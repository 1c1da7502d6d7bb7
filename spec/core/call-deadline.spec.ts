import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Observable } from 'rxjs';
import { isLockBackendError, isLockError, Lock, MemoryStore, backends } from '../../lib';
import type { BackendDescriptor, LockDriver } from '../../lib/core/driver';
import { BACKEND_CALL_TIMEOUT_MS } from '../../lib/core/call-deadline';
import { referencedTimers } from '../../lib/core/timer-queue';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';

let registered = 0;
/** A generic Lock over `driver`, through a freshly registered backend (as a plugin author would). */
function lockOver(driver: LockDriver, options: Record<string, unknown> = {}): Lock {
  const backend: BackendDescriptor<undefined> = backends.register({
    name: `misbehaving-${++registered}`,
    keyFor: (name) => name,
    driverFor: () => driver,
  });
  return new Lock('job', { backend, ...options });
}

const stalls = (): Promise<never> => new Promise<never>(() => undefined);

describe('backend calls', function () {
  describe('bounded by a deadline', function () {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => (clock = sinon.useFakeTimers()));
    afterEach(() => clock.restore());

    const stalled = (): LockDriver => ({
      backend: 'stalled',
      tryAcquire: stalls,
      release: stalls,
      renew: stalls,
      isLocked: stalls,
    });

    it(`fail a one-attempt acquire on a stalled server after ${BACKEND_CALL_TIMEOUT_MS} ms`, async function () {
      const outcome = lockOver(stalled()).acquire(false).catch((e: unknown) => e);
      await clock.tickAsync(BACKEND_CALL_TIMEOUT_MS - 1);
      let settled = false;
      void outcome.then(() => (settled = true));
      await clock.tickAsync(0);
      expect(settled).to.equal(false);
      await clock.tickAsync(1);
      const err = await outcome;
      expect(isLockBackendError(err), String(err)).to.equal(true);
      expect((err as Error).message).to.match(/failed to acquire lock "job": no answer within 5000 ms/);
    });

    it('fail locked() on a stalled server after the deadline', async function () {
      const outcome = lockOver(stalled()).locked().catch((e: unknown) => e);
      await clock.tickAsync(BACKEND_CALL_TIMEOUT_MS);
      expect(isLockBackendError(await outcome)).to.equal(true);
      expect(((await outcome) as Error).message).to.match(/failed to check lock "job"/);
    });

    it('fail a release on a stalled server after the deadline', async function () {
      const driver = { ...stalled(), tryAcquire: async () => ({ acquired: true as const }) };
      const lock = lockOver(driver);
      await lock.acquire();
      const outcome = lock.release().catch((e: unknown) => e);
      await clock.tickAsync(BACKEND_CALL_TIMEOUT_MS);
      expect(((await outcome) as Error).message).to.match(/failed to release lock "job"/);
    });
  });

  describe('from a driver that breaks its contract', function () {
    const base = (): LockDriver => new MemoryDriver(new MemoryStore());
    const cases: Array<[string, Partial<Record<keyof LockDriver, unknown>>]> = [
      ['tryAcquire throws synchronously', { tryAcquire: () => { throw new Error('boom'); } }],
      ['tryAcquire answers undefined', { tryAcquire: async () => undefined }],
      ['tryAcquire answers a non-promise', { tryAcquire: () => 42 }],
      ['tryAcquire answers a string', { tryAcquire: async () => 'OK' }],
    ];
    for (const [what, patch] of cases) {
      it(`reach the caller as a LockError when ${what}`, async function () {
        const err = await lockOver({ ...base(), ...patch } as LockDriver).acquire(false).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isLockError(err), String(err)).to.equal(true);
      });
    }

    it('reach the caller as a LockError when isLocked answers junk or throws', async function () {
      for (const isLocked of [async () => 'yes', () => { throw new Error('boom'); }, () => undefined]) {
        const err = await lockOver({ ...base(), isLocked } as unknown as LockDriver).locked().catch((e: unknown) => e);
        expect(isLockBackendError(err), String(err)).to.equal(true);
      }
    });

    it('fall back to polling when watchReleases throws, and still acquire', async function () {
      const store = new MemoryStore();
      const driver = new MemoryDriver(store);
      store.add('job', 'someone', 100);
      const lock = lockOver(
        Object.assign(Object.create(driver) as LockDriver, {
          watchReleases: (): Observable<never> => {
            throw new Error('no watch today');
          },
        }),
        { retryInterval: 20, timeout: 2_000 },
      );
      expect(await lock.acquire()).to.equal(true);
      await lock.release();
    });

    it('report the hold lost when watchLoss throws, rather than vouch for it', async function () {
      const driver = Object.assign(Object.create(new MemoryDriver(new MemoryStore())) as LockDriver, {
        watchLoss: (): Observable<never> => {
          throw new Error('cannot watch');
        },
      });
      const handle = await lockOver(driver).hold();
      expect(handle.state).to.equal('lost');
    });
  });

  describe('of a driver that answers in this process', function () {
    /** The memory driver, flagged in-process or not. */
    const memoryDriver = (inProcess: boolean): LockDriver =>
      Object.assign(Object.create(new MemoryDriver(new MemoryStore())) as LockDriver, { inProcess });

    for (const blocking of [false, true]) {
      it(`set no deadline when flagged inProcess, and do when not (acquire(${blocking}), then release)`, async function () {
        for (const inProcess of [true, false]) {
          const lock = lockOver(memoryDriver(inProcess), { timeout: 60_000 });
          const before = referencedTimers.size;
          const acquired = lock.acquire(blocking);
          // The request went out synchronously: its deadline (and a blocking acquire's first-attempt deadline) is queued by now.
          expect(referencedTimers.size - before, `inProcess: ${inProcess}`).to.equal(inProcess ? 0 : blocking ? 2 : 1);
          expect(await acquired).to.equal(true);
          const released = lock.release();
          expect(referencedTimers.size - before, `inProcess: ${inProcess}`).to.equal(inProcess ? 0 : 1);
          await released;
          expect(referencedTimers.size).to.equal(before);
        }
      });
    }

    it('still check its answers and report an invalid one as a LockBackendError', async function () {
      const driver = Object.assign(memoryDriver(true), { tryAcquire: () => Promise.resolve({ granted: 'yes' }) });
      const error = await lockOver(driver).acquire(false).catch((e: unknown) => e);
      expect(isLockBackendError(error), String(error)).to.equal(true);
    });
  });
});
