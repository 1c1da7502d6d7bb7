import { expect } from 'chai';
import * as sinon from 'sinon';
import { acquireLock } from '../../lib/core/acquire';
import type { LockHandle } from '../../lib/core/lock-handle';
import { unreferencedTimers } from '../../lib/core/timer-queue';
import { LockLostError } from '../../lib/errors';
import { DelayedDriver, contextFor } from '../support/delayed-driver';

describe('held lock validity deadline', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  // expire 1000 ms: the local deadline is 1000 - (1% + 2 ms) = 988 ms after the request was sent.
  const VALID_MS = 988;

  function hold(driver: DelayedDriver) {
    const seen: { handle?: LockHandle; error?: unknown } = {};
    const subscription = acquireLock(contextFor(driver, { expire: 1_000 })).subscribe({
      next: (h) => (seen.handle = h),
      error: (e: unknown) => (seen.error = e),
    });
    return { seen, subscription };
  }

  it('after a renewal, is not lost at the old deadline but at the new one, with LockLostError on the subscriber and the signal', async function () {
    const driver = new DelayedDriver();
    const { seen } = hold(driver);
    await clock.tickAsync(1);
    const { handle } = seen;
    expect(handle?.state).to.equal('held');
    const queued = unreferencedTimers.size;

    await clock.tickAsync(500);
    const renewSentAt = performance.now();
    const renewed = handle!.renew();
    await clock.tickAsync(1);
    expect(await renewed).to.equal(true);
    expect(handle!.expiresAt).to.be.closeTo(renewSentAt + VALID_MS, 0.001);
    // Moved in place: the renewal added no entry to the shared queue (the store's expiry moves too).
    expect(unreferencedTimers.size).to.equal(queued);

    await clock.tickAsync(VALID_MS - 500 + 10); // past the grant's own deadline
    expect(handle!.state).to.equal('held');
    expect(seen.error).to.equal(undefined);
    expect(handle!.signal.aborted).to.equal(false);

    await clock.tickAsync(renewSentAt + VALID_MS - performance.now()); // exactly the renewed deadline
    expect(handle!.state).to.equal('lost');
    expect(seen.error).to.be.instanceOf(LockLostError);
    expect(handle!.signal.aborted).to.equal(true);
    expect(handle!.signal.reason).to.equal(seen.error);
  });

  it('leaves the shared queue when released, and never fires after', async function () {
    const driver = new DelayedDriver();
    const { seen, subscription } = hold(driver);
    await clock.tickAsync(1);
    const queued = unreferencedTimers.size;
    subscription.unsubscribe();
    await clock.tickAsync(1);
    expect(seen.handle!.state).to.equal('released');
    // The hold's deadline and the store's expiry of the key are both gone.
    expect(unreferencedTimers.size).to.equal(queued - 2);
    await clock.tickAsync(2 * VALID_MS);
    expect(seen.handle!.state).to.equal('released');
    expect(seen.error).to.equal(undefined);
  });
});
