import { expect } from 'chai';
import * as sinon from 'sinon';
import { acquireLock } from '../../lib/core/acquire';
import type { LockHandle } from '../../lib/core/lock-handle';
import { driftMargin, validUntil } from '../../lib/core/validity';
import { DelayedDriver, contextFor } from '../support/delayed-driver';

describe('grant validity', function () {
  let clock: sinon.SinonFakeTimers;
  let driver: DelayedDriver;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
    driver = new DelayedDriver();
  });
  afterEach(() => clock.restore());

  it('keeps 1% of the expiry plus 2 ms as a margin for clock drift', function () {
    expect(driftMargin(1_000)).to.equal(12);
    expect(validUntil(500, 60_000)).to.equal(500 + 60_000 - 602);
    expect(validUntil(500, null)).to.equal(null);
  });

  it('never hands out a grant whose answer came back after its validity deadline', async function () {
    // The first answer takes 1.5 s for a 1 s lock (a stalled server), later ones are quick.
    let replies = 0;
    driver.replyDelay = () => (replies++ === 0 ? 1_500 : 0);
    const handles: LockHandle[] = [];
    let error: unknown;
    acquireLock(contextFor(driver, { expire: 1_000, timeout: 5_000 })).subscribe({
      next: (h) => handles.push(h),
      error: (e: unknown) => (error = e),
    });
    await clock.tickAsync(1_500);
    // The stale grant was not emitted; it was withdrawn before the retry was sent.
    expect(handles).to.have.length(0);
    await clock.tickAsync(50);
    expect(error).to.equal(undefined);
    expect(handles).to.have.length(1);
    const handle = handles[0]!;
    expect(handle.state).to.equal('held');
    expect(handle.expiresAt! - performance.now()).to.be.greaterThan(900);
    expect(driver.store.ownerOf('unit')).to.equal(handle.token);
    expect(driver.calls.tryAcquire).to.equal(2);
    expect(driver.calls.release).to.equal(1);
  });

  it('counts a stale grant as busy for a one-attempt acquire, and leaves nothing behind', async function () {
    driver.replyDelay = () => 1_500;
    let error: Error | undefined;
    acquireLock(contextFor(driver, { expire: 1_000, timeout: 0 })).subscribe({
      next: () => expect.fail('a stale grant was handed out'),
      error: (e: Error) => (error = e),
    });
    await clock.tickAsync(1_500);
    // "Busy" is answered once the withdrawal (its own 1.5 s round trip) has deleted the key, so
    // a caller that closes its client at once leaves nothing behind.
    expect(error).to.equal(undefined);
    await clock.tickAsync(1_600);
    expect(error?.name).to.equal('LockTimeoutError');
    expect(driver.store.has('unit')).to.equal(false);
  });

  it('hands out a grant that is still valid, however slow, with the deadline counted from the send', async function () {
    driver.replyDelay = () => 900;
    const sentAt = performance.now();
    let handle: LockHandle | undefined;
    acquireLock(contextFor(driver, { expire: 1_000 })).subscribe({ next: (h) => (handle = h) });
    await clock.tickAsync(900);
    expect(handle?.state).to.equal('held');
    expect(handle?.expiresAt).to.equal(sentAt + 1_000 - 12);
  });

  it('counts the validity of a grant the server made earlier (grantedAfter) from that time, not from the request', async function () {
    // A driver that answers from a handover announced earlier (Redis): the grant may be as old
    // as the `grantedAfter` it reports, so the deadline counts from there.
    const reportedFrom: number[] = [];
    const tryAcquire = driver.tryAcquire.bind(driver);
    driver.tryAcquire = async (t) => {
      const answer = await tryAcquire(t);
      if (!answer.acquired) return answer;
      const grantedAfter = performance.now() - 300;
      reportedFrom.push(grantedAfter);
      return { ...answer, grantedAfter };
    };
    let handle: LockHandle | undefined;
    acquireLock(contextFor(driver, { expire: 1_000 })).subscribe({ next: (h) => (handle = h) });
    await clock.tickAsync(1);
    expect(handle?.state).to.equal('held');
    expect(handle?.expiresAt).to.equal(reportedFrom[0]! + 1_000 - 12);
  });

  it('withdraws a grant the server made so long ago (grantedAfter) that it is already past its deadline', async function () {
    let answers = 0;
    const tryAcquire = driver.tryAcquire.bind(driver);
    driver.tryAcquire = async (t) => {
      const answer = await tryAcquire(t);
      // The first grant reports a handover older than the whole expiry; the retry is a fresh one.
      if (!answer.acquired || answers++ > 0) return answer;
      return { ...answer, grantedAfter: performance.now() - 1_001 };
    };
    const handles: LockHandle[] = [];
    acquireLock(contextFor(driver, { expire: 1_000, timeout: 5_000 })).subscribe({ next: (h) => handles.push(h) });
    await clock.tickAsync(50);
    expect(handles).to.have.length(1);
    expect(driver.calls.tryAcquire).to.equal(2);
    expect(driver.calls.release).to.equal(1); // the stale one was given back first
    expect(handles[0]!.expiresAt! - performance.now()).to.be.greaterThan(900);
  });
});
