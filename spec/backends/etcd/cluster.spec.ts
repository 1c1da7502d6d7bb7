import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { EtcdLock } from '../../../lib';
import { eventually, sleep } from '../../support/async';
import { etcdClusterAvailable, startEtcdCluster, type EtcdCluster } from '../../support/servers/etcd';
import { runPrefix } from './support';

/** Leader failover on a three-member cluster started by the harness. */
describe('etcd three-member cluster @integration', function () {
  this.timeout(60_000);
  let cluster: EtcdCluster | undefined;
  const clients: Etcd3[] = [];

  before(async function () {
    this.timeout(30_000);
    if (!etcdClusterAvailable()) this.skip();
    cluster = await startEtcdCluster(3);
  });
  after(async function () {
    for (const c of clients.splice(0)) c.close();
    await cluster?.stop();
  });

  it('keeps mutual exclusion while the leader is stopped, and grants again after the election', async function () {
    const c = cluster!;
    const name = `${runPrefix()}-failover`;
    let inside = 0;
    let maxInside = 0;
    let grants = 0;
    const errors: unknown[] = [];
    let stopping = false;

    const worker = async () => {
      // One client per worker, each knowing every member, as separate processes would.
      const client = new Etcd3({ hosts: c.urls });
      clients.push(client);
      const lock = new EtcdLock(name, { client, expire: 5_000, timeout: 20_000, retryInterval: 100 });
      while (!stopping) {
        try {
          if (!(await lock.acquire())) continue;
        } catch (err) {
          errors.push(err); // a request to the stopped leader; try again
          await sleep(50);
          continue;
        }
        inside++;
        maxInside = Math.max(maxInside, inside);
        grants++;
        await sleep(10);
        inside--;
        await lock.release().catch((err: unknown) => errors.push(err));
      }
    };

    const workers = [worker(), worker(), worker(), worker()];
    await eventually(() => expect(grants).to.be.at.least(10), 10_000);
    const leader = await c.leader();
    await leader.stop(true);
    const grantsAtFailover = grants;
    await eventually(() => expect(grants).to.be.at.least(grantsAtFailover + 20), 30_000, 50);
    const newLeader = await c.leader();
    stopping = true;
    await Promise.all(workers);

    if (process.env.DEBUG_FAILOVER) console.log({ grantsAtFailover, grants, errors: errors.map(String).slice(0, 5), errorCount: errors.length });
    expect(newLeader.name).to.not.equal(leader.name);
    expect(maxInside).to.equal(1);
    expect(grants).to.be.greaterThan(grantsAtFailover);
  });
});
