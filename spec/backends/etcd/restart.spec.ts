import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { EtcdLock } from '../../../lib';
import { Session } from '../../../lib/backends/etcd/session';
import { sleep } from '../../support/async';
import { etcdClusterAvailable, startEtcdCluster, waitForEtcd, type EtcdCluster } from '../../support/servers/etcd';
import { runPrefix } from './support';

/** A single etcd that the tests stop and start (so not the shared server, nor ETCD_URL). */
describe('etcd server stops and restarts @integration', function () {
  this.timeout(30_000);
  let server: EtcdCluster | undefined;
  const clients: Etcd3[] = [];
  const ns = runPrefix();

  before(async function () {
    if (!etcdClusterAvailable()) this.skip();
    server = await startEtcdCluster(1);
  });
  after(async function () {
    for (const c of clients.splice(0)) c.close();
    await server?.stop();
  });
  afterEach(async function () {
    if (server && !server.members[0]!.running) {
      await server.members[0]!.start();
      await waitForEtcd(server.urls);
    }
  });

  const client = () => {
    const c = new Etcd3({ hosts: server!.urls });
    clients.push(c);
    return c;
  };

  it('wakes a waiter through a restart of etcd (the watch reconnects)', async function () {
    const holder = new EtcdLock('restart', { client: client(), namespace: ns, expire: 20_000 });
    const waiter = new EtcdLock('restart', { client: client(), namespace: ns, timeout: 20_000, retryInterval: 15_000 });
    await holder.acquire();
    const got = waiter.acquire();
    await sleep(300);
    const member = server!.members[0]!;
    await member.stop();
    await sleep(300);
    await member.start();
    await waitForEtcd(server!.urls);
    await holder.release();
    const released = Date.now();
    expect(await got).to.equal(true);
    // retryInterval is 15 s: only the watch can have woken it this early
    expect(Date.now() - released).to.be.below(10_000);
    await waiter.release();
  });

  it('declares the session lost when no keepalive reaches etcd for a whole TTL', async function () {
    const session = new Session(client(), 2);
    try {
      await session.grant();
      const lost = new Promise<Error>((resolve) => session.onLost(resolve));
      const started = Date.now();
      await server!.members[0]!.stop();
      const err = await lost;
      expect(err.message).to.match(/no keepalive reached etcd for the lease TTL \(2 s\)/);
      expect(Date.now() - started).to.be.below(5_000);
    } finally {
      await session.close();
    }
  });
});
