/**
 * The in-process release bus across clients: this process's memjs clients of one memcached
 * share it (`releaseScope` is the server list), so a release through one client wakes a waiter
 * on another at once; clients of different servers keep apart, so a newcomer on one server
 * never queues behind a waiter of the same key on another.
 */
import { expect } from 'chai';
import { MemcachedLock } from '../../../lib';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import type { MemjsClient } from '../../../lib/backends/memcached/send';
import { localQueueOf } from '../../../lib/core/release-bus';
import { eventually } from '../../support/async';
import { memcachedAvailable, ownMemcachedAvailable, startMemcached, startOwnMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { rawClient, runPrefix } from './support';

(memcachedAvailable() ? describe : describe.skip)('memcached release bus across clients @integration', function () {
  this.timeout(60_000);
  // Polling alone first tries again after 37.5 s at the earliest (an eighth of retryInterval,
  // halved by jitter): beyond the waiter's timeout, so only the bus can hand it the lock.
  const waiting = { expire: 30_000, retryInterval: 600_000, timeout: 20_000 };
  const ns = runPrefix();
  let server: MemcachedServer;
  const clients: MemjsClient[] = [];

  const clientOf = (address: string): MemjsClient => {
    const client = rawClient(address);
    clients.push(client);
    return client;
  };

  /** Resolves once an acquisition through `client` has heard "busy" and queued in this process. */
  const queued = (client: MemjsClient, key: string) =>
    eventually(() => expect(localQueueOf(memcachedBackend.driverFor(client), key)?.isEmpty).to.equal(false), 10_000);

  before(async () => {
    server = await startMemcached();
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  it('hands the lock to a waiter on another client of the same server as soon as this process releases', async () => {
    const first = clientOf(server.address);
    const second = clientOf(server.address);
    const holder = await new MemcachedLock('handoff', { namespace: ns, client: first, ...waiting }).hold();
    const waiter = new MemcachedLock('handoff', { namespace: ns, client: second, ...waiting });
    const granted = waiter.hold();
    await queued(second, waiter.key);
    await holder.release();
    const handle = await granted;
    expect(handle.state).to.equal('held');
    await handle.release();
  });

  it('gives another client of the same server the local queue of this process\'s waiter', async () => {
    const first = clientOf(server.address);
    const second = clientOf(server.address);
    const holder = await new MemcachedLock('behind', { namespace: ns, client: first, ...waiting }).hold();
    const waiter = new MemcachedLock('behind', { namespace: ns, client: first, ...waiting });
    const granted = waiter.hold();
    await queued(first, waiter.key);
    // A newcomer through `second` finds this queue non-empty, so it joins behind the waiter
    // instead of racing it to the server.
    const seenBySecond = localQueueOf(memcachedBackend.driverFor(second), waiter.key);
    const waitedIn = localQueueOf(memcachedBackend.driverFor(first), waiter.key);
    await holder.release();
    await (await granted).release();
    expect(seenBySecond).to.equal(waitedIn);
  });

  (ownMemcachedAvailable() ? describe : describe.skip)('with a second server', () => {
    let other: MemcachedServer;

    before(async () => {
      other = await startOwnMemcached();
    });

    after(async () => {
      await other?.close();
    });

    it('grants a newcomer on another server at once while this process waits for the same key on the first', async () => {
      const onFirst = clientOf(server.address);
      const onOther = clientOf(other.address);
      const holder = await new MemcachedLock('apart', { namespace: ns, client: onFirst, ...waiting }).hold();
      const waiter = new MemcachedLock('apart', { namespace: ns, client: onFirst, ...waiting });
      const granted = waiter.hold();
      await queued(onFirst, waiter.key);
      const newcomer = new MemcachedLock('apart', { namespace: ns, client: onOther, ...waiting });
      expect(await newcomer.acquire(false)).to.equal(true);
      await newcomer.release();
      await holder.release();
      await (await granted).release();
    });
  });
});
