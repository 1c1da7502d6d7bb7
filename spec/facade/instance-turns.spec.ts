import { expect } from 'chai';
import * as sinon from 'sinon';
import { LockLostError, LockTimeoutError, MemoryLock, MemoryStore } from '../../lib';
import { sleep } from '../support/async';

/** A Lock instance shared by concurrent tasks, as a NestJS provider field would be. */
describe('one Lock instance shared by concurrent tasks', function () {
  let store: MemoryStore;
  beforeEach(() => (store = new MemoryStore()));

  it("never lets one task's release() delete another task's grant", async function () {
    const shared = new MemoryLock('report', { client: store, expire: 100, timeout: 2_000, retryInterval: 10 });
    expect(await shared.acquire()).to.equal(true); // task A
    await sleep(150); // A is slow: its grant expires
    const events: string[] = [];
    const taskB = shared.acquire().then((ok) => {
      events.push(`B acquired ${ok}`);
      return store.ownerOf(shared.key);
    });
    await sleep(100);
    // B waits for A's release: the instance serves one caller at a time.
    expect(events).to.deep.equal([]);
    const releaseA = await shared.release().then(
      () => 'released',
      (e: unknown) => (e instanceof LockLostError ? 'lost' : String(e)),
    );
    expect(releaseA).to.equal('lost'); // A learns its grant expired; B's is untouched
    const bOwner = await taskB;
    expect(events).to.deep.equal(['B acquired true']);
    expect(bOwner).to.be.a('string');
    expect(store.ownerOf(shared.key)).to.equal(bOwner);
    // Nobody else gets in while B holds.
    expect(await new MemoryLock('report', { client: store }).acquire(false)).to.equal(false);
    await shared.release(); // B's own release succeeds
    expect(store.has(shared.key)).to.equal(false);
  });

  it('serves waiting callers in FIFO order, each within its own timeout', async function () {
    const shared = new MemoryLock('fifo', { client: store, expire: 5_000, timeout: 2_000 });
    const order: number[] = [];
    await shared.acquire();
    const waiters = [1, 2, 3].map((i) =>
      shared.acquire().then(async () => {
        order.push(i);
        await sleep(30);
        await shared.release();
      }),
    );
    const impatient = shared.acquire({ timeout: 50 }).catch((e: unknown) => e);
    await sleep(20);
    await shared.release();
    await Promise.all(waiters);
    expect(order).to.deep.equal([1, 2, 3]);
    expect(await impatient).to.be.instanceOf(LockTimeoutError);
    expect(store.has(shared.key)).to.equal(false);
  });

  it('answers acquire(false) without asking the backend while another caller of the instance holds', async function () {
    const shared = new MemoryLock('nb', { client: store });
    await shared.acquire();
    const attempts = sinon.spy(store, 'add');
    expect(await shared.acquire(false)).to.equal(false);
    expect(attempts.callCount).to.equal(0);
    await shared.release();
    expect(await shared.acquire(false)).to.equal(true);
    expect(attempts.callCount).to.equal(1);
    attempts.restore();
    await shared.release();
  });

  it('gives the turn on when a waiting caller aborts, and to nobody who gave up', async function () {
    const shared = new MemoryLock('abort', { client: store, timeout: 2_000 });
    await shared.acquire();
    const controller = new AbortController();
    const aborted = shared.acquire({ signal: controller.signal }).catch((e: unknown) => e);
    const next = shared.acquire();
    controller.abort(new Error('stop waiting'));
    expect(((await aborted) as Error).message).to.equal('stop waiting');
    await shared.release();
    expect(await next).to.equal(true);
    await shared.release();
    expect(store.has(shared.key)).to.equal(false);
  });

  it('keeps hold() independent of the instance turn: concurrent holds exclude each other on the backend', async function () {
    const shared = new MemoryLock('handles', { client: store, timeout: 2_000, retryInterval: 5 });
    let inside = 0;
    let overlaps = 0;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        const handle = await shared.hold();
        inside++;
        if (inside > 1) overlaps++;
        await sleep(3);
        inside--;
        await handle.release();
      }),
    );
    expect(overlaps).to.equal(0);
    expect(store.has(shared.key)).to.equal(false);
  });
});

describe('a Promise-style holder', function () {
  it('sees its grant deadline and loss signal through the instance', async function () {
    const store = new MemoryStore();
    const lock = new MemoryLock('promise-style', { client: store, expire: 60_000 });
    expect(lock.signal).to.equal(undefined);
    expect(lock.expiresAt).to.equal(undefined);
    await lock.acquire();
    const signal = lock.signal!;
    expect(signal.aborted).to.equal(false);
    expect(lock.expiresAt! - performance.now()).to.be.within(59_000, 60_000);
    store.forceDelete(lock.key);
    await sleep(10);
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.be.instanceOf(LockLostError);
    await lock.release().catch(() => undefined);
    expect(lock.signal).to.equal(undefined);
  });
});
