import { expect } from 'chai';
import * as sinon from 'sinon';
import { acquireLock } from '../../lib/core/acquire';
import { DelayedDriver, contextFor } from '../support/delayed-driver';

describe('acquire$(): no leaked grants', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  /** A seeded PRNG, so a failure is reproducible from its seed. */
  const prng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  it('releases a grant that arrives after the subscriber left, across many random timings', async function () {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = prng(seed);
      const driver = new DelayedDriver();
      driver.requestDelay = () => Math.floor(rand() * 20);
      driver.replyDelay = () => Math.floor(rand() * 20);
      const sub = acquireLock(contextFor(driver)).subscribe({ error: () => undefined });
      await clock.tickAsync(Math.floor(rand() * 45));
      sub.unsubscribe();
      await clock.tickAsync(200);
      expect(driver.store.has('unit'), `seed ${seed}: lock left held`).to.equal(false);
    }
  });

  it('releases a grant that arrives after the timeout fired', async function () {
    const driver = new DelayedDriver();
    driver.replyDelay = () => 500;
    let error: unknown;
    acquireLock(contextFor(driver, { timeout: 100 })).subscribe({ error: (e: unknown) => (error = e) });
    await clock.tickAsync(100);
    expect((error as Error).name).to.equal('LockTimeoutError');
    expect(driver.store.has('unit')).to.equal(true); // granted on the server, answer still on its way
    await clock.tickAsync(1_000);
    expect(driver.store.has('unit')).to.equal(false);
    expect(driver.calls.release).to.equal(1);
  });

  it('does not release anything when the late answer was "busy"', async function () {
    const driver = new DelayedDriver();
    driver.store.add('unit', 'someone-else', null);
    driver.replyDelay = () => 50;
    const sub = acquireLock(contextFor(driver)).subscribe({ error: () => undefined });
    await clock.tickAsync(10);
    sub.unsubscribe();
    await clock.tickAsync(100);
    expect(driver.calls.release).to.equal(0);
    expect(driver.store.ownerOf('unit')).to.equal('someone-else');
  });

  it('releases after a request whose answer was lost (outcome unknown)', async function () {
    const driver = new DelayedDriver();
    const original = driver.tryAcquire.bind(driver);
    driver.tryAcquire = async (t) => {
      await original(t); // the server applied it...
      throw new Error('connection reset'); // ...but the answer never came
    };
    let error: unknown;
    acquireLock(contextFor(driver)).subscribe({ error: (e: unknown) => (error = e) });
    await clock.tickAsync(10);
    expect((error as Error).name).to.equal('LockBackendError');
    expect((error as Error).cause).to.be.instanceOf(Error);
    expect(driver.store.has('unit')).to.equal(false);
  });

  it('releases exactly once however the hold ends', async function () {
    const driver = new DelayedDriver();
    let handle: any;
    const sub = acquireLock(contextFor(driver)).subscribe((h) => (handle = h));
    await clock.tickAsync(1);
    const p = handle.release();
    sub.unsubscribe();
    await clock.tickAsync(1);
    await p;
    await handle.release();
    expect(driver.calls.release).to.equal(1);
  });
});
