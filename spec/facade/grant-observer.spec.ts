import { expect } from 'chai';
import { MemoryLock, MemoryStore, isLockLostError } from '../../lib';

describe('Promise facade: waiting for a grant', function () {
  let store: MemoryStore;
  beforeEach(() => (store = new MemoryStore()));
  const lockOn = (name = 'job') => new MemoryLock(name, { client: store, timeout: 5_000, retryInterval: 10 });

  it('ignores an abort of the caller signal once granted: the hold stays, and release() ends it', async function () {
    const ac = new AbortController();
    const handle = await lockOn().hold({ signal: ac.signal });
    ac.abort(new Error('caller gave up late'));
    await new Promise((r) => setImmediate(r));
    expect(handle.state).to.equal('held');
    expect(handle.signal.aborted).to.equal(false);
    expect(await lockOn().acquire(false)).to.equal(false);
    await handle.release();
    expect(handle.state).to.equal('released');
    expect(await lockOn().acquire(false)).to.equal(true);
  });

  it('rejects with the abort reason while waiting, and ends the acquisition', async function () {
    const holder = await lockOn().hold();
    const ac = new AbortController();
    const reason = new Error('stop waiting');
    const waiting = lockOn().hold({ signal: ac.signal }).then(
      () => 'granted',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 30));
    ac.abort(reason);
    expect(await waiting).to.equal(reason);
    await holder.release();
    const other = lockOn();
    expect(await other.acquire(false)).to.equal(true); // the aborted waiter took nothing
    await other.release();
  });

  it('reports a loss after the grant through the handle, not as a rejection of the wait', async function () {
    const lock = new MemoryLock('short', { client: store, expire: 50 });
    expect(await lock.acquire()).to.equal(true);
    await new Promise((r) => setTimeout(r, 120));
    const err = await lock.release().then(() => undefined, (e: unknown) => e);
    expect(isLockLostError(err)).to.equal(true);
  });
});
