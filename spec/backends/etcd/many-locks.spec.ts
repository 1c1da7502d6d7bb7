import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import * as sinon from 'sinon';
import { etcdBackend } from '../../../lib/backends/etcd/descriptor';
import type { LockDriver, LockTarget } from '../../../lib/core/driver';
import { newTarget, otherOwner, rawContenders, runPrefix, useEtcd } from './support';

/** Holding many locks on one client: one lease for all of them, and renewals checked in batches. */
describe('etcd: many held locks on one client @integration', function () {
  this.timeout(60_000);
  const etcd = useEtcd();
  const ns = runPrefix();
  const LOCKS = 300;
  let client: Etcd3;
  let driver: LockDriver;
  let targets: LockTarget[];

  before(async function () {
    client = etcd.client();
    driver = etcdBackend.driverFor(client);
    targets = Array.from({ length: LOCKS }, () => newTarget(ns, 3_000));
    for (let i = 0; i < targets.length; i += 50) {
      const attempts = await Promise.all(targets.slice(i, i + 50).map((t) => driver.tryAcquire(t)));
      for (const a of attempts) expect(a.acquired).to.equal(true);
    }
  });
  after(async function () {
    for (const t of targets ?? []) await driver.release(t).catch(() => false);
  });

  it('puts every lock with the same expire on one lease', async function () {
    const leases = new Set<string>();
    const all = await client.getAll().prefix(`${ns}/`).exec();
    for (const kv of all.kvs) leases.add(kv.lease);
    expect(all.kvs).to.have.length(LOCKS);
    expect(leases.size).to.equal(1);
    const live = await client.leaseClient.leaseLeases({});
    expect(live.leases.map((l) => l.ID)).to.include([...leases][0]);
  });

  it('renews them all in one transaction per 128 locks, and says which key was deleted behind its back', async function () {
    const [gone] = await rawContenders(client, targets[7]!.key);
    await client.delete().key(gone!.key);
    const txns = sinon.spy(client, 'if');
    try {
      const results = await driver.renewMany!([...targets, otherOwner(targets[0]!)]);
      expect(results).to.have.length(LOCKS + 1);
      expect(results.filter((r) => !r)).to.have.length(2);
      expect(results[7]).to.equal(false);
      expect(results[LOCKS]).to.equal(false);
      expect(txns.callCount).to.equal(Math.ceil(LOCKS / 128));
    } finally {
      txns.restore();
    }
  });
});
