import { expect } from 'chai';
import * as sinon from 'sinon';
import type { Cluster } from 'ioredis';
import type { ReleaseSignal } from '../../../lib/core/driver';
import { redisBackend } from '../../../lib/backends/redis/descriptor';
import { fenceKeyOf } from '../../../lib/backends/redis/keys';
import { isLockConfigurationError } from '../../../lib/errors';
import { describeConformance } from '../../conformance/suite';
import { eventually } from '../../support/async';
import { redisClusterAvailable, startRedisCluster, type RedisClusterServer } from '../../support/servers/redis';
import type { IoredisVersion } from './ioredis-versions';
import { newTarget, otherOwner, redisFixture, runPrefix } from './support';

/**
 * The Redis backend on a Redis Cluster, with `Cluster` clients of the `ioredis` major: cluster
 * detection, the keyPrefix check and the subscriber's duplicate() read the client's internals
 * (`isCluster`, `options.redisOptions`). cluster.spec.ts runs it on ioredis 6 with the
 * conformance suite; ioredis5.spec.ts runs the driver cases on ioredis 5.
 */
export function describeRedisCluster(title: string, ioredis: IoredisVersion, suite: { conformance: boolean }): void {
  describe(title, function () {
    this.timeout(30_000);
    let server: RedisClusterServer | undefined;
    const clients: Cluster[] = [];
    const cluster = (options: ConstructorParameters<typeof Cluster>[1] = {}): Cluster => {
      const c = new ioredis.Cluster(server!.nodes, { ...options, redisOptions: { disconnectTimeout: 100, ...options.redisOptions } });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };

    before(async function () {
      if (!redisClusterAvailable()) this.skip();
      this.timeout(60_000);
      server = await startRedisCluster();
    });
    after(async function () {
      for (const c of clients.splice(0)) c.disconnect();
      await server?.close();
    });

    describe('driver', () => {
      const ns = runPrefix();

      it('keeps each lock and its fencing counter in one slot, whatever node owns it (no CROSSSLOT)', async () => {
        const c = cluster();
        const d = redisBackend.driverFor(c);
        const targets = Array.from({ length: 12 }, () => newTarget(ns));
        for (const t of targets) {
          const got = await d.tryAcquire(t);
          expect(got.acquired).to.equal(true);
          expect(await c.cluster('KEYSLOT', t.key)).to.equal(await c.cluster('KEYSLOT', fenceKeyOf(t.key)));
          expect(await c.get(t.key)).to.equal(t.token);
        }
        const slots = new Set(await Promise.all(targets.map((t) => c.cluster('KEYSLOT', t.key))));
        expect(slots.size).to.be.above(1);
        for (const t of targets) expect(await d.release(t)).to.equal(true);
      });

      it('renewMany renews locks spread over several slots (one request each, sent together)', async () => {
        const c = cluster();
        const d = redisBackend.driverFor(c);
        const targets = Array.from({ length: 10 }, () => newTarget(ns, 2_000));
        for (const t of targets) await d.tryAcquire(t);
        const pipeline = sinon.spy(c, 'pipeline');
        try {
          const ok = await d.renewMany!(targets.map((t) => ({ ...t, expire: 30_000 })));
          expect(ok).to.deep.equal(targets.map(() => true));
          expect(pipeline.callCount).to.equal(0); // one pipeline cannot span slots
        } finally {
          pipeline.restore();
        }
        expect(await c.pttl(targets[3]!.key)).to.be.above(29_000);
      });

      it('wakes waiters through the shared subscriber of the cluster client', async () => {
        const c = cluster();
        const d = redisBackend.driverFor(c);
        const t = newTarget(ns);
        const waiter = otherOwner(t);
        const seen: ReleaseSignal[] = [];
        const sub = d.watchReleases!(waiter).subscribe((s) => seen.push(s));
        await eventually(() => expect(seen).to.deep.equal(['listening']));
        await d.tryAcquire(t);
        expect(await d.tryAcquire(waiter)).to.deep.equal({ acquired: false, queued: true }); // the queue shares the slot
        await d.release(t);
        await eventually(() => expect(seen).to.deep.equal(['listening', 'released']));
        expect((await d.tryAcquire(waiter)).acquired).to.equal(true);
        await d.release(waiter);
        sub.unsubscribe();
      });

      it('refuses a keyPrefix without a hash tag, and works with one', async () => {
        try {
          redisBackend.driverFor(cluster({ keyPrefix: 'app:', lazyConnect: true }));
          expect.fail('expected a LockConfigurationError');
        } catch (err) {
          expect(isLockConfigurationError(err), String(err)).to.equal(true);
          expect((err as Error).message).to.match(/hash tag/);
        }
        const c = cluster({ keyPrefix: `{${ns}}:` });
        const d = redisBackend.driverFor(c);
        const t = newTarget(ns);
        expect((await d.tryAcquire(t)).acquired).to.equal(true);
        expect(await d.release(t)).to.equal(true);
      });
    });

    if (suite.conformance) {
      describeConformance('redis cluster @integration', async () => {
        const c = cluster();
        const raw = cluster();
        return redisFixture(c, raw);
      });
    }
  });
}
