/**
 * The in-process release bus: a release made by this process wakes this process's waiters
 * for that key at once, even on a backend that announces nothing (the waiters would
 * otherwise wait for their next poll).
 */
import { expect } from 'chai';
import { Lock } from '../../lib';
import type { LockDriver } from '../../lib/core/driver';
import { nextArrival, type LocalWaiter } from '../../lib/core/local-queue';
import { announceLocalRelease, localQueueFor, localQueueOf } from '../../lib/core/release-bus';
import { MapServer, mapBackend } from '../support/backends/map-backend';

describe('in-process release bus', function () {
  this.timeout(30_000);
  // Polling alone would first try again after 37.5 s at the earliest (an eighth of retryInterval, halved): far beyond the waiter's timeout.
  const options = { backend: mapBackend, expire: 30_000, retryInterval: 600_000, timeout: 10_000 };

  it('wakes a waiter of the same client at once when this process releases', async function () {
    const server = new MapServer();
    const holder = await new Lock('bus', { ...options, client: server }).hold();
    const waiter = new Lock('bus', { ...options, client: server }).hold();
    await new Promise((r) => setTimeout(r, 50));
    await holder.release();
    const handle = await waiter;
    expect(handle.state).to.equal('held');
    await handle.release();
  });

  it('hands over through a chain of waiters, one release at a time', async function () {
    const server = new MapServer();
    const first = await new Lock('chain', { ...options, client: server }).hold();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((i) =>
      new Lock('chain', { ...options, client: server }).run(async () => {
        order.push(i);
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await first.release();
    await Promise.all(waiters);
    expect(order).to.deep.equal([1, 2, 3]);
  });

  it('does not wake waiters of another client (another driver) on the same key', async function () {
    const mine = new MapServer();
    const theirs = new MapServer();
    const holder = await new Lock('apart', { ...options, client: mine }).hold();
    const other = await new Lock('apart', { ...options, client: theirs }).hold();
    const waiter = new Lock('apart', { ...options, client: theirs, timeout: 300 }).hold();
    await holder.release();
    // Their lock is still held: the waiter times out rather than being handed something.
    const err = await waiter.then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('LockTimeoutError');
    await other.release();
  });
});

describe('release bus registry (releaseScope)', function () {
  /** Only `backend` and `releaseScope` matter to the registry. */
  const driver = (backend: string, releaseScope?: string): LockDriver => ({ backend, releaseScope }) as unknown as LockDriver;

  const waiter = (): LocalWaiter & { wakes: number } => {
    const w = { arrival: nextArrival(), wakes: 0, promoted: () => undefined, demoted: () => undefined, wake: () => void w.wakes++ };
    return w;
  };

  it('gives two drivers of one scope one queue per key, and a release on either wakes its head', () => {
    const one = driver('kv', 'server-a');
    const two = driver('kv', 'server-a');
    const head = waiter();
    localQueueFor(one, 'k').join(head);
    expect(localQueueOf(two, 'k')).to.equal(localQueueOf(one, 'k'));
    announceLocalRelease(two, 'k');
    expect(head.wakes).to.equal(1);
    localQueueOf(one, 'k')!.leave(head, false);
    expect(localQueueOf(two, 'k')).to.equal(undefined);
  });

  it('keeps drivers without a scope apart, even of one backend', () => {
    const one = driver('kv');
    const two = driver('kv');
    const head = waiter();
    localQueueFor(one, 'k').join(head);
    expect(localQueueOf(two, 'k')).to.equal(undefined);
    announceLocalRelease(two, 'k');
    expect(head.wakes).to.equal(0);
    localQueueOf(one, 'k')!.leave(head, false);
  });

  it('keeps different scopes, and one scope string of two backends, apart', () => {
    const mine = driver('kv', 'server-a');
    const head = waiter();
    localQueueFor(mine, 'k').join(head);
    for (const other of [driver('kv', 'server-b'), driver('other-kv', 'server-a'), driver('kv', '')]) {
      expect(localQueueOf(other, 'k')).to.equal(undefined);
      announceLocalRelease(other, 'k');
    }
    expect(head.wakes).to.equal(0);
    localQueueOf(mine, 'k')!.leave(head, false);
  });

  it('forgets a scope once its last queue empties, and starts a fresh one after', () => {
    const one = driver('kv', 'server-c');
    const first = localQueueFor(one, 'k');
    const w = waiter();
    first.join(w);
    first.leave(w, true);
    expect(localQueueOf(driver('kv', 'server-c'), 'k')).to.equal(undefined);
    const second = localQueueFor(driver('kv', 'server-c'), 'k');
    expect(second).to.not.equal(first);
    const v = waiter();
    second.join(v);
    second.leave(v, true);
  });
});
