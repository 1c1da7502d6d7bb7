import { expect } from 'chai';
import { Observable } from 'rxjs';
import { Lock, MemoryStore, backends } from '../../lib';
import { type LockDriver, type ReleaseSignal } from '../../lib/entries/backend';
import { MemoryDriver } from '../../lib/backends/memory/memory-driver';
import { monotonicNow } from '../../lib/core/clock';

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
