/**
 * The issue-8 hole, against real servers: a server stalled (SIGSTOP) for longer than `expire`
 * while an acquire is in flight answers with a grant whose validity has already run out.
 * That grant must never be handed out.
 */
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import Redis from 'ioredis';
import { EtcdLock, RedisLock, type LockHandle, type Lock } from '../../lib';
import { sleep } from '../support/async';
import { etcdAvailable, startEtcdCluster, type EtcdCluster } from '../support/servers/etcd';
import { ownRedisAvailable, startOwnRedis, type RedisServer } from '../support/servers/redis';

const EXPIRE = 1_000;
const STALL = 1_500;

/** Starts `lock.hold()` while the server is paused, resumes it after {@link STALL} ms, and returns what hold() resolved with. */
async function holdThroughStall(lock: Lock, pause: () => void, resume: () => void): Promise<{ handle: LockHandle; validLeft: number }> {
  pause();
  const held = lock.hold({ timeout: 10_000 }).then((handle) => ({ handle, validLeft: handle.expiresAt! - performance.now() }));
  await sleep(STALL);
  resume();
  return held;
}

describe('a grant answered after a stall longer than expire @integration', function () {
  this.timeout(30_000);

  describe('on Redis', function () {
    let server: RedisServer;
    let client: Redis;
    before(async function () {
      if (!ownRedisAvailable()) this.skip(); // its own server: the test pauses it
      server = await startOwnRedis();
      client = new Redis(server.url, { disconnectTimeout: 100 });
      client.on('error', () => undefined);
      await client.ping();
    });
    after(async () => {
      client?.disconnect();
      await server?.close();
    });

    it('is withdrawn and retried: hold() resolves only with a grant that is still valid and on the server', async function () {
      const lock = new RedisLock(`stall-${Date.now()}`, { client, expire: EXPIRE });
      const { handle, validLeft } = await holdThroughStall(lock, () => server.pause(), () => server.resume());
      expect(validLeft, 'hold() resolved with a grant already past its deadline').to.be.greaterThan(0);
      expect(handle.state).to.equal('held');
      expect(await client.get(lock.key)).to.equal(handle.token);
      const ttl = await client.pttl(lock.key);
      expect(ttl).to.be.greaterThan(0);
      await sleep(50);
      expect(handle.state).to.equal('held');
      await handle.release();
    });
  });

  describe('on etcd', function () {
    let cluster: EtcdCluster;
    let client: Etcd3;
    before(async function () {
      this.timeout(30_000);
      if (!etcdAvailable()) this.skip();
      cluster = await startEtcdCluster(1);
      client = new Etcd3({ hosts: cluster.urls });
    });
    after(async () => {
      client?.close();
      await cluster?.stop();
    });

    it('is withdrawn and retried: hold() resolves only with a grant that is still valid', async function () {
      const lock = new EtcdLock(`stall-${Date.now()}`, { client, expire: EXPIRE });
      const member = cluster.members[0]!;
      const { handle, validLeft } = await holdThroughStall(lock, () => member.pause(), () => member.resume());
      expect(validLeft, 'hold() resolved with a grant already past its deadline').to.be.greaterThan(0);
      expect(handle.state).to.equal('held');
      const other = new EtcdLock(lock.name, { client, expire: EXPIRE });
      expect(await other.acquire(false)).to.equal(false);
      await handle.release();
    });
  });
});
