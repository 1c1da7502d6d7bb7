import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Subscription } from 'rxjs';
import { acquireLock } from '../../lib/core/acquire';
import { renewalSchedulerFor } from '../../lib/core/renewal-scheduler';
import { DelayedDriver, contextFor } from '../support/delayed-driver';

describe('automatic renewal', function () {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it('renews many locks of one driver in a few batched requests, not one timer each', async function () {
    const driver = new DelayedDriver();
    const batches: number[] = [];
    (driver as any).renewMany = async (targets: any[]) => {
      batches.push(targets.length);
      return targets.map((t) => driver.store.renewIfOwner(t.key, t.token, t.expire));
    };
    const subs: Subscription[] = [];
    for (let i = 0; i < 1_000; i++) {
      subs.push(acquireLock(contextFor(driver, { expire: 3_000, autoRenew: true }, `l${i}`)).subscribe());
      if (i % 100 === 0) await clock.tickAsync(7); // grants spread over ~70 ms
    }
    await clock.tickAsync(10_000);
    const renewals = batches.reduce((a, b) => a + b, 0);
    expect(renewals).to.be.at.least(1_000 * 4); // every lock renewed about every second
    expect(batches.length).to.be.below(renewals / 100);
    expect(driver.calls.renew).to.equal(0);
    for (let i = 0; i < 1_000; i++) expect(driver.store.has(`l${i}`)).to.equal(true);
    subs.forEach((s) => s.unsubscribe());
    await clock.tickAsync(10);
    expect(renewalSchedulerFor(driver).size).to.equal(0);
  });

  it('keeps the lock through a failed renewal and loses it at the deadline if the backend stays down', async function () {
    const driver = new DelayedDriver();
    let error: Error | undefined;
    acquireLock(contextFor(driver, { expire: 900, autoRenew: true })).subscribe({ error: (e: Error) => (error = e) });
    await clock.tickAsync(1);
    driver.renew = sinon.stub().rejects(new Error('ECONNRESET'));
    await clock.tickAsync(850);
    expect(error).to.equal(undefined);
    await clock.tickAsync(100);
    expect(error?.name).to.equal('LockLostError');
  });

  it('counts validity from when the renewal was sent, not when it was answered', async function () {
    const driver = new DelayedDriver();
    let handle: any;
    acquireLock(contextFor(driver, { expire: 1_000 })).subscribe({ next: (h) => (handle = h), error: () => undefined });
    await clock.tickAsync(1);
    driver.replyDelay = () => 400;
    const sentAt = performance.now();
    const renewed = handle.renew();
    await clock.tickAsync(400);
    expect(await renewed).to.equal(true);
    // Validity counts from the send, less the clock-drift margin (1% + 2 ms).
    expect(handle.expiresAt).to.be.closeTo(sentAt + 1_000 - 12, 1);
  });
});
