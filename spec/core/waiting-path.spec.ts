/**
 * The waiting path of an acquisition (from the first busy answer on): its target, its place
 * in this process's queue, and what unsubscribing or timing out leaves behind.
 */
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Subscription } from 'rxjs';
import { acquireLock, tryAcquireLock } from '../../lib/core/acquire';
import type { AcquireAttempt, LockTarget } from '../../lib/core/driver';
import type { LockHandle } from '../../lib/core/lock-handle';
import { localQueueOf } from '../../lib/core/release-bus';
import { DelayedDriver, contextFor } from '../support/delayed-driver';

/** A {@link DelayedDriver} that keeps every target it was called with, per call. */
class RecordingDriver extends DelayedDriver {
  readonly targets: { op: 'tryAcquire' | 'release'; target: LockTarget }[] = [];
  override tryAcquire(t: LockTarget): Promise<AcquireAttempt> {
    this.targets.push({ op: 'tryAcquire', target: t });
    return super.tryAcquire(t);
  }
  override release(t: LockTarget): Promise<boolean> {
    this.targets.push({ op: 'release', target: t });
    return super.release(t);
  }
  attemptsOf(token: string | undefined): number {
    return this.targets.filter((c) => c.op === 'tryAcquire' && c.target.token === token).length;
  }
}

interface Seen {
  handle?: LockHandle;
  error?: Error;
  completed?: boolean;
}

describe('waiting for a busy lock', function () {
  let clock: sinon.SinonFakeTimers;
  let driver: RecordingDriver;
  const subs: Subscription[] = [];
  beforeEach(() => {
    clock = sinon.useFakeTimers();
    driver = new RecordingDriver();
    driver.store.add('unit', 'holder', null);
  });
  afterEach(() => {
    subs.splice(0).forEach((s) => s.unsubscribe());
    clock.restore();
  });

  const watch = (source: ReturnType<typeof acquireLock>): Seen => {
    const seen: Seen = {};
    subs.push(
      source.subscribe({
        next: (h) => (seen.handle = h),
        error: (e: Error) => (seen.error = e),
        complete: () => (seen.completed = true),
      }),
    );
    return seen;
  };

  it('passes one and the same target object to every call of one acquisition', async function () {
    const seen = watch(acquireLock(contextFor(driver, { timeout: Infinity, retryInterval: 80 })));
    await clock.tickAsync(1_000);
    driver.store.forceDelete('unit');
    await clock.tickAsync(200);
    expect(seen.handle?.state).to.equal('held');
    subs.splice(0).forEach((s) => s.unsubscribe());
    await clock.tickAsync(10);
    const ops = driver.targets.map((c) => c.op);
    expect(ops.filter((op) => op === 'tryAcquire').length).to.be.above(2);
    expect(ops[ops.length - 1]).to.equal('release');
    expect(new Set(driver.targets.map((c) => c.target)).size).to.equal(1);
  });

  it('stops asking the backend when unsubscribed mid-wait, and leaves the local queue', async function () {
    watch(acquireLock(contextFor(driver, { timeout: Infinity, retryInterval: 80 })));
    await clock.tickAsync(500);
    expect(localQueueOf(driver, 'unit')?.isEmpty).to.equal(false);
    subs.splice(0).forEach((s) => s.unsubscribe());
    const asked = driver.calls.tryAcquire;
    await clock.tickAsync(10_000);
    expect(driver.calls.tryAcquire).to.equal(asked);
    expect(localQueueOf(driver, 'unit')).to.equal(undefined);
  });

  it('queues a newcomer behind a local waiter without asking the backend, and times it out there', async function () {
    const first = watch(acquireLock(contextFor(driver, { timeout: Infinity, retryInterval: 80 })));
    await clock.tickAsync(100);
    const late = watch(acquireLock(contextFor(driver, { timeout: 500, retryInterval: 80 })));
    const single = watch(tryAcquireLock(contextFor(driver)));
    await clock.tickAsync(499);
    expect(late.error).to.equal(undefined);
    expect(single.completed).to.equal(true);
    await clock.tickAsync(1);
    expect(late.error?.name).to.equal('LockTimeoutError');
    // Only the first waiter (and the holder's token, never) asked the backend.
    const tokens = new Set(driver.targets.map((c) => c.target.token));
    expect(tokens.size).to.equal(1);
    expect(first.error).to.equal(undefined);
    // The first waiter still waits, alone in the queue, and gets the lock once it is free.
    driver.store.forceDelete('unit');
    await clock.tickAsync(200);
    expect(first.handle?.state).to.equal('held');
  });

  it('hands the lock to the next local waiter once the one before it times out', async function () {
    const first = watch(acquireLock(contextFor(driver, { timeout: 300, retryInterval: 80 })));
    await clock.tickAsync(10);
    const second = watch(acquireLock(contextFor(driver, { timeout: Infinity, retryInterval: 80 })));
    await clock.tickAsync(290);
    expect(first.error?.name).to.equal('LockTimeoutError');
    const tokenOfSecond = driver.targets.map((c) => c.target.token).find((t, _, all) => t !== all[0]);
    await clock.tickAsync(500);
    // Promoted: the second waiter asks the backend itself now.
    expect(driver.attemptsOf(tokenOfSecond)).to.be.above(0);
    driver.store.forceDelete('unit');
    await clock.tickAsync(200);
    expect(second.handle?.state).to.equal('held');
  });
});
