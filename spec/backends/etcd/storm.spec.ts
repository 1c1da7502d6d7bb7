/**
 * A cancellation storm on one etcd client (issue 8, item 12): many acquire$() subscriptions on
 * a held lock, each unsubscribed after a short random delay while its requests are in flight.
 * Before the request gate and the coalesced deletes, 1,000 such subscriptions left ~800 queue
 * keys for as long as the holder lived and opened etcd3's circuit breaker (the other lock of
 * the client failed for seconds). spec/backends/etcd/storm-measure.ts measures bigger storms.
 */
import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import type { Subscription } from 'rxjs';
import { EtcdLock } from '../../../lib';
import { etcdBackend } from '../../../lib/backends/etcd/descriptor';
import type { EtcdDriver } from '../../../lib/backends/etcd/driver';
import { eventually, sleep } from '../../support/async';
import { newTarget, otherOwner, rawContenders, runPrefix, useEtcd } from './support';

describe('etcd cancellation storm @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  const ns = runPrefix();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));

  it('cleans up every queue key and keeps the other locks of the client working', async function () {
    const SUBSCRIPTIONS = 1_500;
    const SPREAD_MS = 1_500;
    // A client of its own: a tripped circuit breaker must not spill into other tests.
    const client: Etcd3 = etcd.client();
    const raw: Etcd3 = etcd.client();
    const holder = new EtcdLock('storm', { client, namespace: ns, expire: null });
    await holder.acquire();
    const prefix = `${ns}/storm`;
    try {
      let stormRunning = true;
      const otherFailures: unknown[] = [];
      let otherCycles = 0;
      const other = (async () => {
        const lock = new EtcdLock('storm-other', { client, namespace: ns, expire: 10_000, timeout: 10_000 });
        // Bounded: the storm lasts about SPREAD_MS and its clean-up a few seconds.
        for (let i = 0; i < 2_000 && (stormRunning || otherCycles < 3); i++) {
          try {
            await lock.acquire();
            await lock.release();
            otherCycles++;
          } catch (err) {
            otherFailures.push(err);
          }
          await sleep(20);
        }
      })();

      const errors: unknown[] = [];
      const started = Date.now();
      await new Promise<void>((resolve) => {
        let subscribed = 0;
        let open = 0;
        const tick = () => {
          const due = Math.min(SUBSCRIPTIONS, Math.ceil(((Date.now() - started) / SPREAD_MS) * SUBSCRIPTIONS));
          for (; subscribed < due; subscribed++) {
            const sub: Subscription = new EtcdLock('storm', { client, namespace: ns, timeout: 30_000 })
              .acquire$()
              .subscribe({ error: (err: unknown) => errors.push(err) });
            open++;
            setTimeout(() => {
              sub.unsubscribe();
              if (--open === 0 && subscribed >= SUBSCRIPTIONS) resolve();
            }, Math.random() * 40);
          }
          if (subscribed < SUBSCRIPTIONS) setTimeout(tick, 5);
        };
        tick();
      });

      // Only the holder's key may remain once the clean-up is done.
      await eventually(async () => expect(await rawContenders(raw, prefix)).to.have.length(1), 30_000, 100);
      stormRunning = false;
      await other;
      expect(otherFailures, 'failures of another lock on the same client').to.deep.equal([]);
      expect(otherCycles).to.be.greaterThan(0);
      expect(errors, 'errors of the abandoned subscriptions').to.deep.equal([]);
      expect(unhandled).to.deep.equal([]);
      // The holder still holds its lock, and the queue is usable by a new waiter.
      const next = new EtcdLock('storm', { client, namespace: ns, timeout: 10_000 });
      const waiting = next.acquire();
      await sleep(50);
      await holder.release();
      expect(await waiting).to.equal(true);
      await next.release();
      expect(await rawContenders(raw, prefix)).to.deep.equal([]);
    } finally {
      await holder.release().catch(() => undefined);
    }
  });

  it('never sends the put of an acquisition abandoned before it went out', async function () {
    const client: Etcd3 = etcd.client();
    const driver = etcdBackend.driverFor(client) as EtcdDriver;
    const first = newTarget(ns);
    const targets = [first, ...Array.from({ length: 39 }, () => otherOwner(first))];
    const revision = async () => Number((await client.getAll().prefix(`${first.key}/`).exec()).header.revision);
    const before = await revision();
    // Like the core: release once the attempt settled, whatever its outcome.
    const runs = targets.map((t) =>
      driver.tryAcquire(t).then(
        () => driver.release(t),
        () => driver.release(t),
      ),
    );
    // Abandoned at once: their puts are still waiting for the session lease or a request slot.
    for (const t of targets.slice(16)) driver.abandon(t);
    await Promise.all(runs);
    // Leases do not move the revision; each put and each delete does. 16 puts, 16 deletes in
    // batches (one revision per transaction).
    const after = await revision();
    const puts = after - before;
    expect(puts, `revision moved by ${puts}`).to.be.within(16 + 1, 16 + 16);
    expect(await rawContenders(client, first.key)).to.deep.equal([]);
  });
});
