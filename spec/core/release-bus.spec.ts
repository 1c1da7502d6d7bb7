/**
 * The in-process release bus: a release made by this process wakes this process's waiters
 * for that key at once, even on a backend that announces nothing (the waiters would
 * otherwise wait for their next poll).
 */
import { expect } from 'chai';
import { Lock } from '../../lib';
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
