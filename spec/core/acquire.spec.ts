import { expect } from 'chai';
import * as sinon from 'sinon';
import { Subject } from 'rxjs';
import type { ReleaseSignal } from '../../lib/core/driver';
import { acquireLock } from '../../lib/core/acquire';
import { WAKE_SPREAD_MS, pollDelay, wakeDelay } from '../../lib/core/retry-delay';
import { DelayedDriver, contextFor } from '../support/delayed-driver';

describe('retry and timeout policy', function () {
  let clock: sinon.SinonFakeTimers;
  let driver: DelayedDriver;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
    driver = new DelayedDriver();
    driver.store.add('unit', 'holder', null);
  });
  afterEach(() => clock.restore());

  const run = (options: Parameters<typeof contextFor>[1]) => {
    const seen: { error?: Error; handle?: unknown } = {};
    const sub = acquireLock(contextFor(driver, options)).subscribe({
      next: (h) => (seen.handle = h),
      error: (e: Error) => (seen.error = e),
    });
    return { seen, sub };
  };

  it('backs off from an eighth of the interval, doubling per poll, never beyond the interval', function () {
    const ceilings = [0, 1, 2, 3, 4, 50].map((polls) => pollDelay(800, polls, () => 0));
    expect(ceilings).to.deep.equal([100, 200, 400, 800, 800, 800]);
    expect(pollDelay(800, 0, () => 0.999)).to.be.closeTo(50, 0.1);
    expect(pollDelay(800, 9, () => 0.999)).to.be.closeTo(400, 0.5);
    expect(pollDelay(0, 3, () => 0.5)).to.equal(0);
  });

  it('draws each poll at random between half its ceiling and the ceiling', function () {
    const delays = Array.from({ length: 200 }, () => pollDelay(100, 5));
    expect(Math.min(...delays)).to.be.at.least(50);
    expect(Math.max(...delays)).to.be.at.most(100);
    expect(new Set(delays).size).to.be.above(100);
  });

  it('spreads retries after a release by at most WAKE_SPREAD_MS, less the longer a waiter waited', function () {
    expect(wakeDelay(0, () => 0)).to.equal(0);
    expect(wakeDelay(0, () => 0.999)).to.be.closeTo(WAKE_SPREAD_MS, 0.01);
    const young = wakeDelay(5, () => 0.5);
    const old = wakeDelay(500, () => 0.5);
    expect(old).to.be.below(young / 10);
    expect(wakeDelay(-3, () => 0.5)).to.equal(wakeDelay(0, () => 0.5));
  });

  it('times out on the wall clock, however many attempts that took', async function () {
    const { seen } = run({ timeout: 1_000, retryInterval: 100 });
    await clock.tickAsync(999);
    expect(seen.error).to.equal(undefined);
    await clock.tickAsync(1);
    expect(seen.error?.name).to.equal('LockTimeoutError');
    // Polls back off from 100/8 ms to at most 100 ms apart: at least 10 in a second, at most ~25.
    expect(driver.calls.tryAcquire).to.be.within(10, 25);
  });

  it('times out even when an attempt is slower than the timeout', async function () {
    driver.replyDelay = () => 5_000;
    const { seen } = run({ timeout: 300 });
    await clock.tickAsync(300);
    expect(seen.error?.name).to.equal('LockTimeoutError');
    expect(driver.calls.tryAcquire).to.equal(1);
  });

  it('makes exactly one attempt with timeout 0', async function () {
    const { seen } = run({ timeout: 0, retryInterval: 10 });
    await clock.tickAsync(1_000);
    expect(seen.error?.name).to.equal('LockTimeoutError');
    expect(driver.calls.tryAcquire).to.equal(1);
  });

  it('never times out with timeout Infinity', async function () {
    const { seen, sub } = run({ timeout: Infinity, retryInterval: 1_000 });
    await clock.tickAsync(60 * 60_000);
    expect(seen.error).to.equal(undefined);
    expect(driver.calls.tryAcquire).to.be.above(3_000);
    driver.store.forceDelete('unit');
    await clock.tickAsync(1_200);
    expect(seen.handle).to.not.equal(undefined);
    sub.unsubscribe();
  });

  it('retries on a macrotask with retryInterval 0 and still honours the timeout', async function () {
    const { seen } = run({ timeout: 50, retryInterval: 0 });
    await clock.tickAsync(50);
    expect(seen.error?.name).to.equal('LockTimeoutError');
    expect(driver.calls.tryAcquire).to.be.above(10);
  });

  it('does not retry a backend error', async function () {
    driver.tryAcquire = sinon.stub().rejects(new Error('ECONNREFUSED'));
    const { seen } = run({ timeout: 10_000 });
    await clock.tickAsync(1);
    expect(seen.error?.name).to.equal('LockBackendError');
    expect((seen.error as Error & { cause: Error }).cause.message).to.equal('ECONNREFUSED');
  });

  it('touches the backend only after subscription (cold)', async function () {
    const obs = acquireLock(contextFor(driver));
    await clock.tickAsync(100);
    expect(driver.calls.tryAcquire).to.equal(0);
    const sub = obs.subscribe({ error: () => undefined });
    await clock.tickAsync(1);
    expect(driver.calls.tryAcquire).to.equal(1);
    sub.unsubscribe();
  });
});

describe('waiting on release notifications', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  /** A busy lock whose driver signals releases through a Subject the test controls. */
  const setup = (notifiesEveryRelease: boolean, ordersWaiters = false) => {
    const driver = new DelayedDriver();
    driver.store.add('unit', 'holder', null);
    const signals = new Subject<ReleaseSignal>();
    Object.assign(driver, { watchReleases: () => signals, notifiesEveryRelease, ordersWaiters });
    let handle: unknown;
    let error: unknown;
    const sub = acquireLock(contextFor(driver, { timeout: Infinity, retryInterval: 100 })).subscribe({
      next: (h) => (handle = h),
      error: (e: unknown) => (error = e),
    });
    return { driver, signals, sub, got: () => handle, failed: () => error };
  };

  it('stops polling once the watch listens, for a backend that announces every release', async function () {
    const { driver, signals, sub, got } = setup(true);
    await clock.tickAsync(1);
    expect(driver.calls.tryAcquire).to.equal(1);
    signals.next('listening');
    await clock.tickAsync(1);
    expect(driver.calls.tryAcquire).to.equal(2); // the re-check once armed
    await clock.tickAsync(60_000);
    expect(driver.calls.tryAcquire).to.equal(2);
    driver.store.forceDelete('unit');
    signals.next('released');
    await clock.tickAsync(Math.ceil(WAKE_SPREAD_MS) + 1);
    expect(got()).to.not.equal(undefined);
    sub.unsubscribe();
  });

  it('retries within the wake spread after a release signal', async function () {
    const { driver, signals, sub } = setup(false);
    await clock.tickAsync(1);
    signals.next('listening');
    await clock.tickAsync(1);
    const before = driver.calls.tryAcquire;
    signals.next('released');
    await clock.tickAsync(Math.ceil(WAKE_SPREAD_MS) + 1);
    expect(driver.calls.tryAcquire).to.equal(before + 1);
    sub.unsubscribe();
  });

  it('retries at once after a release signal when the backend orders its waiters', async function () {
    const random = sinon.stub(Math, 'random').returns(0.999); // the largest spread, were it applied
    try {
      const { driver, signals, sub } = setup(true, true);
      await clock.tickAsync(1);
      signals.next('listening');
      await clock.tickAsync(5); // the re-check has been answered: nothing in flight
      const before = driver.calls.tryAcquire;
      signals.next('released');
      await clock.tickAsync(1);
      expect(driver.calls.tryAcquire).to.equal(before + 1);
      sub.unsubscribe();
    } finally {
      random.restore();
    }
  });

  it('keeps polling alongside the watch for a backend whose releases can go unannounced', async function () {
    const { driver, signals, sub } = setup(false);
    await clock.tickAsync(1);
    signals.next('listening');
    await clock.tickAsync(10_000);
    // Never more than retryInterval (100 ms) apart, drawn from its upper half once backed off.
    expect(driver.calls.tryAcquire).to.be.within(100, 210);
    sub.unsubscribe();
  });

  it('falls back to polling when the watch fails', async function () {
    const { driver, signals, sub, failed } = setup(true);
    await clock.tickAsync(1);
    signals.next('listening');
    await clock.tickAsync(1_000);
    expect(driver.calls.tryAcquire).to.equal(2);
    signals.error(new Error('watch stream reset'));
    await clock.tickAsync(1_000);
    expect(driver.calls.tryAcquire).to.be.within(12, 30);
    expect(failed()).to.equal(undefined);
    sub.unsubscribe();
  });
});
