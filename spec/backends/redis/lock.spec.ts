import { expect } from 'chai';
import * as sinon from 'sinon';
import type Redis from 'ioredis';
import type { Subscription } from 'rxjs';
import { backends, isLockBackendError, LockBackendError, LockLostError, RedisLock, type LockHandle } from '../../../lib';
import type { RedisDriver } from '../../../lib/backends/redis/driver';
import { fenceKeyOf } from '../../../lib/backends/redis/keys';
import { expectRejection } from '../../conformance/suite';
import { eventually, sleep } from '../../support/async';
import { pythonSherlock, runPrefix, useRedis } from './support';

describe('RedisLock @integration', function () {
  this.timeout(20_000);

  describe('on a healthy server', () => {
    const redis = useRedis();
    const ns = runPrefix();
    let client: Redis;
    let raw: Redis;
    let seq = 0;
    const name = () => `lock${++seq}`;
    const locks: RedisLock[] = [];
    const newLock = (n: string, opts: ConstructorParameters<typeof RedisLock>[1] = {}) => {
      const l = new RedisLock(n, { namespace: ns, client, ...opts });
      locks.push(l);
      return l;
    };

    before(function () {
      client = redis.client();
      raw = redis.client();
    });
    afterEach(async () => {
      await Promise.all(locks.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
    });

    it('stores <namespace>_<name> as a plain string holding the owner token, with a ms TTL', async () => {
      const n = name();
      const lock = newLock(n, { expire: 2_500 });
      const handle = await lock.hold();
      expect(lock.key).to.equal(`${ns}_${n}`);
      expect(await raw.type(`${ns}_${n}`)).to.equal('string');
      expect(await raw.get(`${ns}_${n}`)).to.equal(handle.token);
      expect(await raw.pttl(`${ns}_${n}`)).to.be.within(2_000, 2_500);
      await handle.release();
      expect(await raw.exists(`${ns}_${n}`)).to.equal(0);
    });

    it('uses the bare name as the key without a namespace', async () => {
      const n = `${ns}-bare`;
      const lock = new RedisLock(n, { client });
      locks.push(lock);
      await lock.acquire();
      expect(await raw.exists(n)).to.equal(1);
    });

    it('is busy while a Python sherlock RedisLock holds ns_x, and free once it releases', async () => {
      const n = name();
      const py = pythonSherlock.owner();
      expect(await pythonSherlock.acquire(raw, `${ns}_${n}`, py, 60)).to.equal(true);
      const lock = newLock(n, { timeout: 300, retryInterval: 50 });
      expect(await lock.locked()).to.equal(true);
      expect(await lock.acquire(false)).to.equal(false);
      // A Python release publishes nothing: the waiter finds out by polling.
      const waiting = lock.acquire({ timeout: 3_000 });
      await sleep(100);
      expect(await pythonSherlock.release(raw, `${ns}_${n}`, py)).to.equal(true);
      expect(await waiting).to.equal(true);
      expect(await pythonSherlock.locked(raw, `${ns}_${n}`)).to.equal(true);
      expect(await pythonSherlock.acquire(raw, `${ns}_${n}`, pythonSherlock.owner(), 60)).to.equal(false);
    });

    it('never expires with expire: null (no TTL on the key)', async () => {
      const n = name();
      const lock = newLock(n, { expire: null });
      await lock.acquire();
      expect(await raw.pttl(`${ns}_${n}`)).to.equal(-1);
      expect(await lock.renew()).to.equal(true);
      expect(await raw.pttl(`${ns}_${n}`)).to.equal(-1);
    });

    it('accepts fractional expiries (rounded up to whole milliseconds)', async () => {
      const n = name();
      const lock = newLock(n, { expire: 1_000.4 });
      await lock.acquire();
      expect(await raw.pttl(`${ns}_${n}`)).to.be.within(800, 1_001);
    });

    it('gives fencing tokens that increase across holders on different clients', async () => {
      const n = name();
      const clients = [client, redis.client(), redis.client()];
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) {
        const lock = newLock(n, { client: clients[i % clients.length] });
        await lock.acquire();
        seen.push(Number(lock.fencingToken));
        await lock.release();
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]).to.be.above(seen[i - 1]!);
      expect(await raw.get(fenceKeyOf(`${ns}_${n}`))).to.equal(String(seen[seen.length - 1]));
    });

    it("a stale owner's release after expiry leaves the new owner's key alone", async () => {
      const n = name();
      const stale = newLock(n, { expire: 200 });
      await stale.acquire();
      await sleep(300);
      const next = newLock(n, { expire: 10_000 });
      const handle = await next.hold();
      await expectRejection(stale.release(), LockLostError);
      expect(await raw.get(`${ns}_${n}`)).to.equal(handle.token);
    });

    it('wakes a waiter (retryInterval 1000) well under 1000 ms after the release', async () => {
      const n = name();
      const holder = newLock(n);
      await holder.acquire();
      const waiter = newLock(n, { retryInterval: 1_000, timeout: 10_000 });
      const got = waiter.acquire();
      await sleep(1_300); // past the first poll: the waiter is armed and sleeping
      const released = performance.now();
      await holder.release();
      expect(await got).to.equal(true);
      const latency = performance.now() - released;
      expect(latency).to.be.below(250);
    });

    it('renews many auto-renewed locks with one script call per tick, not one request per lock', async () => {
      const c = redis.client();
      const driver = backends.REDIS.driverFor(c) as RedisDriver;
      const count = 300;
      const handles = await Promise.all(
        Array.from({ length: count }, () => newLock(name(), { client: c, expire: 900, autoRenew: true }).hold()),
      );
      const pipeline = sinon.spy(c, 'pipeline');
      const single = sinon.spy(driver, 'renew');
      const renewMany = sinon.spy(driver, 'renewMany');
      try {
        await sleep(1_400); // past the expiry: only renewals keep them
        expect(handles.every((h: LockHandle) => h.state === 'held')).to.equal(true);
        expect(single.callCount).to.equal(0);
        expect(renewMany.callCount).to.be.within(1, 20);
        // Up to RENEW_CHUNK locks per tick fit one script call, which needs no pipeline.
        expect(pipeline.callCount).to.equal(0);
        const batched = renewMany.getCalls().reduce((n, call) => n + call.args[0].length, 0);
        expect(batched).to.be.at.least(count);
        const stillThere = await raw.exists(...handles.map((h) => h.key));
        expect(stillThere).to.equal(count);
      } finally {
        pipeline.restore();
        single.restore();
        renewMany.restore();
      }
    });
  });

  describe('when the server restarts or is down', () => {
    const redis = useRedis();
    const ns = runPrefix();

    before(function () {
      if (!redis.server?.managed) this.skip(); // REDIS_URL: the tests cannot stop that server
    });

    it('errors an autoRenew lock with LockLostError when Redis restarts empty while it is held', async () => {
      const client = redis.client();
      const lock = new RedisLock('restart', { namespace: ns, client, expire: 1_000, autoRenew: true });
      let sub: Subscription | undefined;
      let fenceBefore: number | bigint | undefined;
      const lost = new Promise<unknown>((resolve) => {
        sub = lock.acquire$().subscribe({ next: (h) => (fenceBefore = h.fencingToken), error: resolve });
      });
      await eventually(async () => expect(await lock.locked()).to.equal(true));
      await redis.server!.stop(true);
      await sleep(200);
      await redis.server!.start();
      const err = await lost;
      expect(err).to.be.instanceOf(LockLostError);
      sub?.unsubscribe();
      // The backend works again afterwards (scripts are re-sent to the fresh server).
      await eventually(async () => expect(client.status).to.equal('ready'));
      const again = new RedisLock('restart', { namespace: ns, client });
      expect(await again.acquire(false)).to.equal(true);
      // The counter was lost with the data; the new one starts from the clock, above the old.
      expect(Number(again.fencingToken)).to.be.above(Number(fenceBefore));
      await again.release();
    });

    it('re-arms release notifications after the subscriber reconnects, and has waiters re-check', async () => {
      const client = redis.client();
      const driver = backends.REDIS.driverFor(client);
      const target = { name: 'resub', key: `${ns}_resub`, token: 'mine', expire: 10_000 };
      const seen: string[] = [];
      const sub = driver.watchReleases!(target).subscribe((s) => seen.push(s));
      try {
        await eventually(() => expect(seen).to.deep.equal(['listening']));
        await redis.server!.stop(true);
        await sleep(100);
        await redis.server!.start();
        // A release may have been published while it was down: waiters are told to re-check.
        await eventually(() => expect(seen).to.deep.equal(['listening', 'released']), 5_000);
        // The watcher waits with `target`'s token: the release of another holder names it.
        const holder = { ...target, token: 'holding' };
        await eventually(async () => expect((await driver.tryAcquire(holder)).acquired).to.equal(true));
        await driver.tryAcquire(target); // busy: now we wait, at the head of the queue
        await driver.release(holder);
        await eventually(() => expect(seen).to.deep.equal(['listening', 'released', 'released']));
      } finally {
        sub.unsubscribe();
      }
    });

    it('errors with LockLostError by the validity deadline when the server stays down', async () => {
      const client = redis.client();
      const lock = new RedisLock('down-held', { namespace: ns, client, expire: 800, autoRenew: true });
      const handle = await lock.hold();
      const acquiredAt = performance.now();
      await redis.server!.stop(true);
      try {
        await eventually(() => expect(handle.state).to.equal('lost'), 3_000);
        expect(performance.now() - acquiredAt).to.be.below(800 + 300);
        expect(handle.signal.reason).to.be.instanceOf(LockLostError);
      } finally {
        await redis.server!.start();
      }
    });

    it('rejects acquire with LockBackendError (cause: the ioredis error) instead of hanging until the timeout', async () => {
      const client = redis.client();
      await client.ping();
      await redis.server!.stop(true);
      try {
        const lock = new RedisLock('down', { namespace: ns, client, timeout: 8_000 });
        const started = performance.now();
        const err = await expectRejection(lock.acquire(), LockBackendError);
        expect(performance.now() - started).to.be.below(3_000);
        expect(isLockBackendError(err)).to.equal(true);
        expect(err.cause).to.be.instanceOf(Error);
        expect(err.message).to.match(/redis backend failed to acquire lock "down"/);
        // While reconnecting, the next attempt fails at once.
        const again = performance.now();
        await expectRejection(new RedisLock('down2', { namespace: ns, client }).acquire(), LockBackendError);
        expect(performance.now() - again).to.be.below(500);
        await expectRejection(new RedisLock('down3', { namespace: ns, client }).locked(), LockBackendError);
      } finally {
        await redis.server!.start();
      }
    });
  });
});
