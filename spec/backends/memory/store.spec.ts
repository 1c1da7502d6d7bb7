import { expect } from 'chai';
import { LockLostError, MemoryLock, MemoryStore, type MemoryRemoval } from '../../../lib';
import { eventually, sleep } from '../../support/async';

describe('memory store', function () {
  it('expires an entry on its own, announcing it, with nobody asking', async function () {
    // The holder's deadline normally deletes first; this checks the store's own expiry.
    const store = new MemoryStore();
    const removals: MemoryRemoval[] = [];
    store.removals.subscribe((r) => removals.push(r));
    expect(store.add('k', 'owner', 40)).to.be.a('number');
    expect(store.add('k', 'other', 40)).to.equal(null);
    await sleep(80);
    expect(removals).to.deep.equal([{ key: 'k', token: 'owner', reason: 'expired' }]);
    expect(store.add('k', 'other', null)).to.be.a('number');
  });

  it('keeps an entry until its expiry, however long (timers beyond 24.8 days are chained)', async function () {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const store = new MemoryStore();
      store.add('long', 'owner', 2 ** 31 - 1);
      store.add('longer', 'owner', 40 * 24 * 3600 * 1000);
      await sleep(30);
      expect(store.ownerOf('long')).to.equal('owner');
      expect(store.ownerOf('longer')).to.equal('owner');
      expect(warnings.map((w) => w.name)).to.not.include('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('tells the holder at once when its entry is deleted by force', async function () {
    const store = new MemoryStore();
    const lock = new MemoryLock('forced', { client: store, expire: 60_000 });
    const handle = await lock.hold();
    store.forceDelete(lock.key);
    await eventually(() => expect(handle.state).to.equal('lost'), 500, 5);
    expect(handle.signal.aborted).to.equal(true);
    expect(handle.signal.reason).to.be.instanceOf(LockLostError);
  });

  it("does not report the holder's own release as a loss", async function () {
    const store = new MemoryStore();
    const handle = await new MemoryLock('own', { client: store }).hold();
    await handle.release();
    expect(handle.state).to.equal('released');
  });
});

describe('memory store forced-deletion watches', function () {
  /** A watcher that records what it is told, closed or not. */
  const watcher = () => ({ closed: false, seen: [] as string[], next(r: MemoryRemoval) { this.seen.push(r.reason); } });

  it('report the forced deletion of the entry the token owns, once, and nothing once closed', function () {
    const store = new MemoryStore();
    store.add('k', 'owner', null);
    const open = watcher();
    const closed = watcher();
    store.watchForcedDeletion('k', 'owner', open);
    store.watchForcedDeletion('k', 'owner', closed);
    closed.closed = true;
    store.forceDelete('k');
    store.add('k', 'owner', null); // the same token again: a new entry, not watched
    store.forceDelete('k');
    expect(open.seen).to.deep.equal(['forced']);
    expect(closed.seen).to.deep.equal([]);
  });

  it("ignore the owner's own release, and an entry the token does not own (another owner's, or none)", function () {
    const store = new MemoryStore();
    const w = watcher();
    store.watchForcedDeletion('k', 'owner', w);
    store.add('k', 'someone-else', null);
    store.watchForcedDeletion('k', 'owner', w);
    store.forceDelete('k');
    store.add('k', 'owner', null);
    store.watchForcedDeletion('k', 'owner', w);
    store.deleteIfOwner('k', 'owner');
    store.add('k', 'owner', null);
    store.forceDelete('k');
    expect(w.seen).to.deep.equal([]);
  });
});

describe('long durations', function () {
  it('holds a lock with an expiry beyond setTimeout range, with no TimeoutOverflowWarning', async function () {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const store = new MemoryStore();
      for (const expire of [2 ** 31 - 1, 2 ** 31, 40 * 24 * 3600 * 1000]) {
        const handle = await new MemoryLock(`long-${expire}`, { client: store, expire, autoRenew: true }).hold();
        await sleep(20);
        expect(handle.state).to.equal('held');
        expect(handle.expiresAt! - performance.now()).to.be.greaterThan(expire * 0.98);
        await handle.release();
      }
      // A waiter polling near the longest interval must not fall back to a 1 ms poll.
      const holder = await new MemoryLock('busy', { client: store }).hold();
      const waiter = new MemoryLock('busy', { client: store, retryInterval: 2 ** 31 - 1, timeout: 100 });
      expect(await waiter.acquire().catch((e: Error) => e.name)).to.equal('LockTimeoutError');
      await holder.release();
      expect(warnings).to.not.include('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
