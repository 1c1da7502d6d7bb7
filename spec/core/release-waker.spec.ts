import { expect } from 'chai';
import * as sinon from 'sinon';
import { Observable, Subject } from 'rxjs';
import { Lock, MemoryStore, backends } from '../../lib';
import { type LockDriver, type ReleaseSignal } from '../../lib/entries/backend';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';
import { monotonicNow } from '../../lib/core/clock';
import { ReleaseWaker } from '../../lib/core/release-waker';

let registered = 0;
/** A memory-backed driver that claims to announce every release, with the given watch. */
function announcingDriver(store: MemoryStore, watch: () => Observable<ReleaseSignal>): LockDriver {
  const memory = new MemoryDriver(store);
  return {
    backend: 'announcing',
    tryAcquire: (t) => memory.tryAcquire(t),
    release: (t) => memory.release(t),
    renew: (t) => memory.renew(t),
    isLocked: (key) => memory.isLocked(key),
    watchReleases: watch,
    notifiesEveryRelease: true,
  };
}

describe('release waker', function () {
  it('goes back to polling when a release watch completes, even for a driver that announces every release', async function () {
    const store = new MemoryStore();
    // Armed, then ended (e.g. a watch the server closed): later releases go unannounced.
    const ended = () =>
      new Observable<ReleaseSignal>((subscriber) => {
        subscriber.next('listening');
        subscriber.complete();
      });
    const backend = backends.register({ name: `ending-watch-${++registered}`, keyFor: (n) => n, driverFor: () => announcingDriver(store, ended) });
    const holder = new Lock('job', { backend });
    const waiter = new Lock('job', { backend, timeout: 3_000, retryInterval: 20 });
    expect(await holder.acquire()).to.equal(true);
    const startedAt = monotonicNow();
    const waiting = waiter.acquire();
    setTimeout(() => void holder.release(), 100);
    expect(await waiting).to.equal(true);
    // Polling every ~20 ms finds the release; without it the waiter would sit until its 3 s timeout.
    expect(monotonicNow() - startedAt).to.be.below(1_000);
    await waiter.release();
  });
});

describe('release waker: a release signal with no delay', function () {
  /** A driver whose watch is driven by the test; it orders waiters itself, so a release means "retry now". */
  function orderingDriver(signals: Subject<ReleaseSignal>): LockDriver {
    return { ...announcingDriver(new MemoryStore(), () => signals), notifiesEveryRelease: false, ordersWaiters: true };
  }
  const target = { name: 'job', key: 'job', token: 'a'.repeat(32), expire: 1_000 };

  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers()));
  afterEach(() => clock.restore());

  it('answers the re-check after the watch is armed without waiting for a timer', function () {
    const signals = new Subject<ReleaseSignal>();
    const waker = new ReleaseWaker(orderingDriver(signals), target);
    const first: unknown[] = [];
    waker.nextAttempt(100).subscribe((v) => first.push(v));
    signals.next('listening');
    // A setTimeout(0) (RxJS timer(0)) would need the clock to move: Node runs it after >= 1 ms.
    expect(first).to.have.length(1);
    waker.stop();
  });

  it('retries on a release notification without waiting for a timer', function () {
    const signals = new Subject<ReleaseSignal>();
    const waker = new ReleaseWaker(orderingDriver(signals), target);
    waker.nextAttempt(100).subscribe();
    signals.next('listening');
    waker.attemptStarted();
    const woken: unknown[] = [];
    waker.nextAttempt(100).subscribe((v) => woken.push(v));
    expect(woken).to.have.length(0);
    signals.next('released');
    expect(woken).to.have.length(1);
    // And a release heard while an attempt was in flight: the next wait answers at once.
    waker.attemptStarted();
    signals.next('released');
    const pending: unknown[] = [];
    waker.nextAttempt(100).subscribe((v) => pending.push(v));
    expect(pending).to.have.length(1);
    waker.stop();
  });
  it('polls every retryInterval (no backoff from retryInterval / 8) while the watch listens', function () {
    const signals = new Subject<ReleaseSignal>();
    const waker = new ReleaseWaker(orderingDriver(signals), target, () => 0.999);
    waker.nextAttempt(800).subscribe(); // arms the watch; its first poll is the short one
    signals.next('listening');
    waker.attemptStarted();
    const polled: unknown[] = [];
    waker.nextAttempt(800).subscribe((v) => polled.push(v));
    // Backing off, the second poll would come within 800 / 8 * 2 = 200 ms; a listening watch
    // announces releases, so the poll only has to come within retryInterval (here at ~400 ms).
    clock.tick(380);
    expect(polled).to.have.length(0);
    clock.tick(420);
    expect(polled).to.have.length(1);
    waker.stop();
  });
});
