/**
 * Faults of the server: a restarted standalone server, and a three-member ensemble whose leader
 * is killed while clients contend for a lock (no two holders at once, and progress resumes).
 */
import type { Client } from 'node-zookeeper-client';
import { expect } from 'chai';
import { ZooKeeperLock } from '../../../lib';
import { startZooKeeper, zookeeperAvailable, type ZooKeeperServer } from '../../support/servers/zookeeper';
import { runPrefix } from '../../support/targets';
import { closeClient, connectedClient } from './support';

describe('zookeeper backend: server faults @integration', function () {
  this.timeout(180_000);
  const namespace = runPrefix();
  let server: ZooKeeperServer | undefined;
  const clients: Client[] = [];

  before(function () {
    if (!zookeeperAvailable() || process.env.ZOOKEEPER_URL) this.skip();
  });
  afterEach(async function () {
    this.timeout(60_000);
    await Promise.all(clients.splice(0).map((c) => closeClient(c)));
    await server?.stop();
    server = undefined;
  });

  const client = async (sessionTimeout = 20_000) => {
    const c = await connectedClient(server!.connectionString, sessionTimeout);
    clients.push(c);
    return c;
  };

  it('keeps working across a restart of the server, within the session timeout', async function () {
    server = await startZooKeeper(1);
    const c = await client();
    const first = new ZooKeeperLock('restart', { client: c, namespace });
    expect(await first.acquire(false)).to.equal(true);
    const member = server.members[0]!;
    await member.stop();
    // Registered once disconnected, so that it hears the reconnection, not the first connection.
    // A restart slower than the session timeout (a loaded machine) expires the session: say so
    // instead of waiting for a reconnection that never comes.
    const reconnected = new Promise<void>((resolve, reject) => {
      c.once('connected', () => resolve());
      c.once('expired', () => reject(new Error('the session expired while the server restarted (the restart took longer than the 20 s session timeout)')));
    });
    await member.start();
    await server.ready();
    await reconnected;
    // The session survived (the server restored it from its log): our node is still there.
    expect(await first.renew()).to.equal(true);
    const second = new ZooKeeperLock('restart', { client: await client(), namespace });
    expect(await second.acquire(false)).to.equal(false);
    await first.release();
    expect(await second.acquire({ timeout: 30_000 })).to.equal(true);
    await second.release();
  });

  it('never has two holders while the ensemble leader is killed during contention, and progress resumes', async function () {
    server = await startZooKeeper(3);
    const workers = 3;
    const rounds = 4;
    let holders = 0;
    let overlaps = 0;
    let granted = 0;
    let killed = false;
    let grantedAfterKill = 0;
    const work = async (c: Client) => {
      for (let done = 0; done < rounds; ) {
        const lock = new ZooKeeperLock('ensemble', { client: c, namespace, expire: null });
        try {
          await lock.run(
            async () => {
              holders++;
              if (holders > 1) overlaps++;
              granted++;
              if (killed) grantedAfterKill++;
              await new Promise((r) => setTimeout(r, 50));
              holders--;
            },
            { timeout: 60_000 },
          );
          done++;
        } catch {
          // A request cut by the failover: try again (the lock was not held, or was released).
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const cs = await Promise.all(Array.from({ length: workers }, () => client()));
    const running = Promise.all(cs.map((c) => work(c)));
    while (granted < 2) await new Promise((r) => setTimeout(r, 20));
    const leader = await server.leader();
    killed = true;
    await leader.stop(true);
    await running;
    expect(overlaps).to.equal(0);
    expect(grantedAfterKill).to.be.greaterThan(0);
    expect(granted).to.be.at.least(workers * rounds);
  });
});
