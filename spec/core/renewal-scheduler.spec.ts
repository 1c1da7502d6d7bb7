import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Subscription } from 'rxjs';
import { acquireLock } from '../../lib/core/acquire';
import { BACKEND_CALL_TIMEOUT_MS } from '../../lib/core/call-deadline';
import { RenewalScheduler, renewalSchedulerFor, type RenewalEntry } from '../../lib/core/renewal-scheduler';
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

  describe('RenewalScheduler', () => {
    const entry = (name: string, log: string[]): RenewalEntry => ({
      target: { name, key: name, token: `t-${name}`, expire: 3_000 },
      renewDueAt: -1,
      renewSendableAt: -1,
      renewed: () => log.push(`renewed ${name}`),
      failed: () => log.push(`failed ${name}`),
    });
    const batchingDriver = (batches: string[][]) => {
      const driver = new DelayedDriver();
      (driver as any).renewMany = async (targets: any[]) => {
        batches.push(targets.map((t) => t.name));
        return targets.map(() => true);
      };
      return driver;
    };

    it('schedules without scanning the entries already waiting (10,000 held locks each reschedule every tick)', () => {
      const scheduler = new RenewalScheduler(new DelayedDriver());
      const log: string[] = [];
      for (let i = 0; i < 100; i++) scheduler.schedule(entry(`e${i}`, log), 1_000 + i, 100);
      const scans = [sinon.spy(Map.prototype, 'values'), sinon.spy(Map.prototype, 'entries'), sinon.spy(Map.prototype, 'forEach')];
      const iterate = sinon.spy(Map.prototype, Symbol.iterator);
      try {
        for (let i = 0; i < 100; i++) scheduler.schedule(entry(`late${i}`, log), 5_000 + i, 100);
        expect([...scans, iterate].map((s) => s.callCount)).to.deep.equal([0, 0, 0, 0]);
      } finally {
        for (const s of [...scans, iterate]) s.restore();
      }
      expect(scheduler.size).to.equal(200);
    });

    it('sends together every entry within its slack, and re-arms for an entry due earlier than the timer', async () => {
      const batches: string[][] = [];
      const scheduler = new RenewalScheduler(batchingDriver(batches));
      const log: string[] = [];
      scheduler.schedule(entry('a', log), 1_000, 0);
      scheduler.schedule(entry('b', log), 1_100, 200); // may go with a
      scheduler.schedule(entry('c', log), 1_500, 100); // may not
      scheduler.schedule(entry('early', log), 300, 0); // earlier than the armed timer
      await clock.tickAsync(300);
      expect(batches).to.deep.equal([['early']]);
      await clock.tickAsync(700);
      expect(batches).to.deep.equal([['early'], ['a', 'b']]);
      await clock.tickAsync(500);
      expect(batches).to.deep.equal([['early'], ['a', 'b'], ['c']]);
      expect(log).to.deep.equal(['renewed early', 'renewed a', 'renewed b', 'renewed c']);
      expect(scheduler.size).to.equal(0);
    });

    it('forgets cancelled entries and stops its timer when none is left', async () => {
      const batches: string[][] = [];
      const scheduler = new RenewalScheduler(batchingDriver(batches));
      const log: string[] = [];
      const a = entry('a', log);
      scheduler.schedule(a, 1_000, 0);
      scheduler.schedule(entry('b', log), 2_000, 0);
      scheduler.cancel(a);
      await clock.tickAsync(1_000);
      expect(batches).to.deep.equal([]);
      await clock.tickAsync(1_000);
      expect(batches).to.deep.equal([['b']]);
      // The shared call-deadline queue keeps its Node timer until it fires idle once; only after
      // that does a timer still pending show that the scheduler kept one.
      await clock.tickAsync(BACKEND_CALL_TIMEOUT_MS);
      expect(clock.countTimers()).to.equal(0);
    });
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
