import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import * as sinon from 'sinon';
import { EtcdLock } from '../../../lib';
import { etcdBackend } from '../../../lib/backends/etcd/descriptor';
import type { LockDriver } from '../../../lib/core/driver';
import { eventually, sleep } from '../../support/async';
import { rawContenders, runPrefix, useEtcd } from './support';

/**
 * Each waiter watches only the key just ahead of it (Go's `concurrency.Mutex`), so a release
 * wakes the next waiter and nobody else: with N waiters, one release costs one retry, not N.
 */
describe('etcd: a release wakes one waiter, not the herd @integration', function () {
  this.timeout(40_000);
  const etcd = useEtcd();
  const ns = runPrefix();
  const WAITERS = 5;

  it('makes exactly one of N waiters (each on its own client) try again when the holder releases', async function () {
    const name = 'herd';
    const holder = new EtcdLock(name, { client: etcd.client(), namespace: ns });
    await holder.acquire();
    const waiters: Array<{ lock: EtcdLock; driver: LockDriver; spy: sinon.SinonSpy; granted: Promise<boolean> }> = [];
    for (let i = 0; i < WAITERS; i++) {
      const client: Etcd3 = etcd.client();
      const driver = etcdBackend.driverFor(client);
      const spy = sinon.spy(driver, 'tryAcquire');
      const lock = new EtcdLock(name, { client, namespace: ns, timeout: 30_000 });
      waiters.push({ lock, driver, spy, granted: lock.acquire() });
      // One at a time, so that the queue order is the order of `waiters`.
      await eventually(async () => expect(await rawContenders(client, `${ns}/${name}`)).to.have.length(i + 2), 10_000);
    }
    try {
      // Every waiter has queued and armed its wake-up (its first attempt, then the re-check once armed).
      await eventually(() => waiters.forEach((w) => expect(w.spy.callCount).to.be.at.least(2)), 10_000);
      await sleep(300);
      for (const w of waiters) w.spy.resetHistory();

      await holder.release();
      expect(await waiters[0]!.granted).to.equal(true);
      // Give woken waiters time to try: a herd would show up here (no speed is asserted).
      await sleep(500);
      expect(waiters.map((w) => w.spy.callCount)).to.deep.equal([1, 0, 0, 0, 0]);
    } finally {
      for (const w of waiters) {
        if (await w.granted) await w.lock.release();
      }
      for (const w of waiters) w.spy.restore();
    }
  });
});
