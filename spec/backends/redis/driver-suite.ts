import { expect } from 'chai';
import * as sinon from 'sinon';
import type Redis from 'ioredis';
import type { Subscription } from 'rxjs';
import type { LockDriver, LockTarget, ReleaseSignal } from '../../../lib/core/driver';
import { redisBackend } from '../../../lib/backends/redis/descriptor';
import type { RedisDriver } from '../../../lib/backends/redis/driver';
import { fenceKeyOf, waiterQueueKeyOf, waiterSeenKeyOf, waiterTtlKeyOf } from '../../../lib/backends/redis/keys';
import { monotonicNow } from '../../../lib/core/clock';
import { RENEW_CHUNK, RENEW_SCRIPT } from '../../../lib/backends/redis/renew';
import { WAITER_STALE_MS } from '../../../lib/backends/redis/waiters';
import { SUBSCRIBER_IDLE_CLOSE_MS } from '../../../lib/backends/redis/notify';
import { GUARD_LINGER_MS } from '../../../lib/backends/redis/connection';
import { isRawClientError } from '../../support/checks';
import { eventually, sleep } from '../../support/async';
import { freePort } from '../../support/servers/process';
import { IOREDIS_6, type IoredisVersion } from './ioredis-versions';
import { newTarget, otherOwner, pythonSherlock, runPrefix, useRedis } from './support';

/**
 * The Redis driver's own cases (keys, scripts and NOSCRIPT, fencing, the connection guard,
 * pub/sub, keyPrefix, connection faults), on clients of the `ioredis` major: run by
 * driver.spec.ts on ioredis 6 and by ioredis5.spec.ts on ioredis 5, since most of them depend
 * on how the client behaves (its status, events, offline queue, defineCommand, options).
 */
export function describeRedisDriver(title: string, ioredis: IoredisVersion): void {
  describe(title, function () {
    this.timeout(20_000);
    const redis = useRedis(ioredis);
    const ns = runPrefix();
    let client: Redis;
    let raw: Redis;
    let driver: LockDriver;

    /** Server-wide PUBLISH count, scripts' included (INFO commandstats). */
    const publishCalls = async (): Promise<number> => {
      const m = /cmdstat_publish:calls=(\d+)/.exec((await raw.info('commandstats')) as string);
      return m ? Number(m[1]) : 0;
    };

    before(function () {
      client = redis.client();
      raw = redis.client();
      driver = redisBackend.driverFor(client);
    });

    describe('acquire', () => {
      it('writes a plain string key <namespace>_<name> holding the token, with a millisecond TTL', async () => {
        const t = newTarget(ns, 1500.2);
        expect(t.key).to.equal(`${ns}_${t.name}`);
        const got = await driver.tryAcquire(t);
        expect(got.acquired).to.equal(true);
        expect(await raw.type(t.key)).to.equal('string');
        expect(await raw.get(t.key)).to.equal(t.token);
        const pttl = await raw.pttl(t.key);
        expect(pttl).to.be.within(1300, 1501);
      });

      it('is busy while another token holds the key, and leaves that key alone', async () => {
        const t = newTarget(ns);
        await driver.tryAcquire(t);
        const other = otherOwner(t);
        expect(await driver.tryAcquire(other)).to.deep.equal({ acquired: false, queued: true });
        expect(await raw.get(t.key)).to.equal(t.token);
        await driver.release(other);
      });

      it('queues a busy contender, grants the free lock only to the head of the queue, and lets a leaving waiter go', async () => {
        const t = newTarget(ns);
        const [first, second, newcomer] = [otherOwner(t), otherOwner(t), otherOwner(t)];
        expect((await driver.tryAcquire(t)).acquired).to.equal(true);
        expect(await driver.tryAcquire(first)).to.deep.equal({ acquired: false, queued: true });
        expect(await driver.tryAcquire(second)).to.deep.equal({ acquired: false, queued: true });
        expect(await raw.zrange(waiterQueueKeyOf(t.key), '0', '-1')).to.deep.equal([first.token, second.token]);
        expect(await driver.release(t)).to.equal(true);
        // The releaser asking again at once, and a newcomer, wait behind the queue.
        expect((await driver.tryAcquire(otherOwner(t))).acquired).to.equal(false);
        expect((await driver.tryAcquire(newcomer)).acquired).to.equal(false);
        expect((await driver.tryAcquire(second)).acquired).to.equal(false);
        expect((await driver.tryAcquire(first)).acquired).to.equal(true);
        // A waiter that gives up (the core releases its token) leaves the queue.
        expect(await driver.release(second)).to.equal(false);
        expect(await raw.zrank(waiterQueueKeyOf(t.key), second.token)).to.equal(null);
        expect(await raw.get(t.key)).to.equal(first.token);
      });

      it('drops waiters that stopped asking, so that a dead waiter cannot keep a free lock from the others', async () => {
        const t = newTarget(ns);
        const [dead, alive] = [otherOwner(t), otherOwner(t)];
        // No expiry: the release only wakes the head (a head with a TTL would be handed the lock).
        const [deadForever, aliveForever] = [{ ...dead, expire: null }, { ...alive, expire: null }];
        await driver.tryAcquire(t);
        await driver.tryAcquire(deadForever);
        await driver.tryAcquire(aliveForever);
        await driver.release(t);
        expect((await driver.tryAcquire(aliveForever)).acquired).to.equal(false);
        // Age the dead waiter's last-seen time past WAITER_STALE_MS, as if it had crashed.
        await raw.zadd(waiterSeenKeyOf(t.key), '0', dead.token);
        expect((await driver.tryAcquire(aliveForever)).acquired).to.equal(true);
        expect(await raw.exists(waiterQueueKeyOf(t.key), waiterSeenKeyOf(t.key), waiterTtlKeyOf(t.key))).to.equal(0);
        await driver.release(aliveForever);
      });

      it('hands a released lock to no waiter that stopped asking: the next live one gets it', async () => {
        const t = newTarget(ns);
        const [dead, alive] = [otherOwner(t), otherOwner(t)];
        await driver.tryAcquire(t);
        await driver.tryAcquire(dead);
        await driver.tryAcquire(alive);
        await raw.zadd(waiterSeenKeyOf(t.key), '0', dead.token); // silent for longer than WAITER_STALE_MS
        expect(await driver.release(t)).to.equal(true);
        expect(await raw.get(t.key)).to.equal(alive.token);
        expect(await raw.hexists(waiterTtlKeyOf(t.key), dead.token)).to.equal(0);
        await driver.release(alive);
      });

      it('lets the queue keys expire with the waiters gone silent', async () => {
        const t = newTarget(ns);
        await driver.tryAcquire(t);
        const waiter = otherOwner(t);
        await driver.tryAcquire(waiter);
        expect(await raw.pttl(waiterQueueKeyOf(t.key))).to.be.within(1, WAITER_STALE_MS);
        expect(await raw.pttl(waiterSeenKeyOf(t.key))).to.be.within(1, WAITER_STALE_MS);
        await driver.release(waiter);
      });

      it('creates a key with no TTL when expire is null', async () => {
        const t = newTarget(ns, null);
        expect((await driver.tryAcquire(t)).acquired).to.equal(true);
        expect(await raw.pttl(t.key)).to.equal(-1);
      });

      it('accepts the largest expiry', async () => {
        const t = newTarget(ns, 2 ** 31 - 1);
        expect((await driver.tryAcquire(t)).acquired).to.equal(true);
        expect(await raw.pttl(t.key)).to.be.above(2 ** 31 - 10_000);
      });

      it('grants again to the same token (a replayed request after a lost reply)', async () => {
        const t = newTarget(ns);
        const first = await driver.tryAcquire(t);
        const again = await driver.tryAcquire(t);
        expect(again.acquired).to.equal(true);
        if (first.acquired && again.acquired) expect(again.fencingToken! > first.fencingToken!).to.equal(true);
      });

      it('runs its scripts by EVALSHA and recovers from NOSCRIPT after SCRIPT FLUSH', async () => {
        const stats = async (): Promise<Record<string, number>> => {
          const info = await raw.info('commandstats');
          const out: Record<string, number> = {};
          for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+),.*?failed_calls=(\d+)/g)) {
            out[m[1]!] = Number(m[2]);
            out[`${m[1]!}_failed`] = Number(m[3]);
          }
          return out;
        };
        const t = newTarget(ns);
        await driver.tryAcquire(t); // loads the script on this connection
        await driver.release(t);
        const before = await stats();
        await raw.script('FLUSH');
        expect((await driver.tryAcquire(t)).acquired).to.equal(true);
        expect(await driver.release(t)).to.equal(true);
        const after = await stats();
        // The first EVALSHA after the flush fails with NOSCRIPT and is re-sent as EVAL.
        expect((after.evalsha_failed ?? 0) - (before.evalsha_failed ?? 0)).to.be.at.least(1);
        expect((after.eval ?? 0) - (before.eval ?? 0)).to.be.at.least(1);
      });

      it('treats a key of another type as held by someone else', async () => {
        const t = newTarget(ns);
        await raw.lpush(t.key, 'x');
        expect(await driver.tryAcquire(t)).to.deep.equal({ acquired: false, queued: true });
        expect(await driver.release(t)).to.equal(false);
        expect(await driver.renew(t)).to.equal(false);
        expect(await driver.isLocked(t.key)).to.equal(true);
        expect(await raw.type(t.key)).to.equal('list');
      });

      it('counts fencing tokens in {key}:fence, from the server clock in µs, +1 per grant', async () => {
        const t = newTarget(ns);
        const [secs, micros] = await raw.time();
        const serverNowUs = Number(secs) * 1e6 + Number(micros);
        const seen: number[] = [];
        for (let i = 0; i < 5; i++) {
          const owner = otherOwner(t);
          const got = await driver.tryAcquire(owner);
          if (!got.acquired) throw new Error('expected a grant');
          expect(got.fencingToken).to.be.a('number');
          seen.push(Number(got.fencingToken));
          await driver.release(owner);
        }
        expect(seen[0]! - serverNowUs).to.be.within(0, 5_000_000);
        expect(Number.isSafeInteger(seen[0])).to.equal(true);
        expect(seen.map((f) => f - seen[0]!)).to.deep.equal([0, 1, 2, 3, 4]);
        expect(await raw.get(fenceKeyOf(t.key))).to.equal(String(seen[4]));
        expect(await raw.pttl(fenceKeyOf(t.key))).to.equal(-1);
      });

      it('keeps fencing tokens increasing when the counter is lost (restart without data, FLUSHALL)', async () => {
        const t = newTarget(ns);
        const first = await driver.tryAcquire(t);
        await driver.release(t);
        await raw.del(fenceKeyOf(t.key));
        await sleep(2);
        const second = await driver.tryAcquire(otherOwner(t));
        if (!first.acquired || !second.acquired) throw new Error('expected grants');
        expect(Number(second.fencingToken)).to.be.above(Number(first.fencingToken));
      });

      it('counts on from an existing counter', async () => {
        const t = newTarget(ns);
        await raw.set(fenceKeyOf(t.key), '41');
        const got = await driver.tryAcquire(t);
        expect(got).to.deep.equal({ acquired: true, fencingToken: 42 });
      });

      it('is atomic: of many concurrent contenders on several connections exactly one wins per round', async () => {
        const t = newTarget(ns, 5_000);
        const drivers = [client, redis.client(), redis.client(), redis.client()].map((c) => redisBackend.driverFor(c));
        const winners: number[] = [];
        for (let round = 0; round < 10; round++) {
          const owners = Array.from({ length: 40 }, () => otherOwner(t));
          const results = await Promise.all(owners.map((o, i) => drivers[i % drivers.length]!.tryAcquire(o)));
          const won = results.flatMap((r, i) => (r.acquired ? [{ owner: owners[i]!, fence: Number(r.fencingToken) }] : []));
          expect(won).to.have.length(1);
          expect(await raw.get(t.key)).to.equal(won[0]!.owner.token);
          winners.push(won[0]!.fence);
          // The losers give up, as the core does (their release takes them out of the queue).
          for (const [i, r] of results.entries()) if (!r.acquired) expect(await driver.release(owners[i]!)).to.equal(false);
          expect(await driver.release(won[0]!.owner)).to.equal(true);
        }
        for (let i = 1; i < winners.length; i++) expect(winners[i]).to.be.above(winners[i - 1]!);
        expect(new Set(winners).size).to.equal(winners.length);
      });
    });

    describe('connection guard', () => {
      it('watches a user client with one set of listeners while requests are pending, none once idle', async () => {
        const c = redis.client();
        const d = redisBackend.driverFor(c);
        const base = { error: c.listenerCount('error'), reconnecting: c.listenerCount('reconnecting') };
        const pending = Array.from({ length: 200 }, () => d.tryAcquire(newTarget(ns)));
        expect(c.listenerCount('reconnecting')).to.equal(base.reconnecting + 1);
        expect(c.listenerCount('error')).to.equal(base.error + 1);
        await Promise.all(pending);
        await sleep(GUARD_LINGER_MS + 100);
        expect(c.listenerCount('reconnecting')).to.equal(base.reconnecting);
        expect(c.listenerCount('error')).to.equal(base.error);
      });

      it('keeps its listeners across back-to-back requests instead of adding them per request', async () => {
        const c = redis.client();
        const d = redisBackend.driverFor(c);
        const on = sinon.spy(c, 'on');
        try {
          for (let i = 0; i < 20; i++) {
            const t = newTarget(ns);
            await d.tryAcquire(t);
            await d.release(t);
          }
          expect(on.withArgs('reconnecting').callCount).to.equal(1);
        } finally {
          on.restore();
        }
      });
    });

    describe('release', () => {
      it('deletes only the key that still holds our token', async () => {
        const t = newTarget(ns);
        await driver.tryAcquire(t);
        expect(await driver.release(otherOwner(t))).to.equal(false);
        expect(await raw.get(t.key)).to.equal(t.token);
        expect(await driver.release(t)).to.equal(true);
        expect(await raw.exists(t.key)).to.equal(0);
        expect(await driver.release(t)).to.equal(false);
      });

      it("by a stale owner after expiry does not delete the new owner's key", async () => {
        const stale = newTarget(ns, 150);
        await driver.tryAcquire(stale);
        await sleep(250);
        const next = otherOwner({ ...stale, expire: 10_000 });
        expect((await driver.tryAcquire(next)).acquired).to.equal(true);
        expect(await driver.release(stale)).to.equal(false);
        expect(await driver.renew(stale)).to.equal(false);
        expect(await raw.get(stale.key)).to.equal(next.token);
        expect(await raw.pttl(stale.key)).to.be.above(9_000);
      });
    });

    describe('renew', () => {
      it('resets the TTL only for the owner', async () => {
        const t = newTarget(ns, 1_000);
        await driver.tryAcquire(t);
        const longer = { ...t, expire: 60_000 };
        expect(await driver.renew(otherOwner(longer))).to.equal(false);
        expect(await raw.pttl(t.key)).to.be.at.most(1_000);
        expect(await driver.renew(longer)).to.equal(true);
        expect(await raw.pttl(t.key)).to.be.above(59_000);
      });

      it('makes the key permanent when expire is null', async () => {
        const t = newTarget(ns, 1_000);
        await driver.tryAcquire(t);
        expect(await driver.renew({ ...t, expire: null })).to.equal(true);
        expect(await raw.pttl(t.key)).to.equal(-1);
      });

      it('renewMany renews many locks with one script call, in order, and tells whose are gone', async () => {
        const targets = Array.from({ length: 50 }, () => newTarget(ns, 2_000));
        for (const t of targets) await driver.tryAcquire(t);
        await raw.del(targets[7]!.key);
        await raw.set(targets[9]!.key, 'someone-else');
        const pipeline = sinon.spy(client, 'pipeline');
        const scriptCalls = sinon.spy(client as unknown as Record<string, () => unknown>, RENEW_SCRIPT.name);
        try {
          const renewed = targets.map((t, i) => ({ ...t, expire: i === 3 ? null : 30_000 }));
          const ok = await driver.renewMany!(renewed);
          expect(pipeline.callCount).to.equal(0);
          expect(scriptCalls.callCount).to.equal(1);
          expect(ok).to.have.length(50);
          expect(ok.filter((x) => !x)).to.have.length(2);
          expect(ok[7]).to.equal(false);
          expect(ok[9]).to.equal(false);
          expect(await raw.pttl(targets[0]!.key)).to.be.above(29_000);
          expect(await raw.pttl(targets[3]!.key)).to.equal(-1);
          expect(await raw.get(targets[9]!.key)).to.equal('someone-else');
        } finally {
          pipeline.restore();
          scriptCalls.restore();
        }
        expect(await driver.renewMany!([])).to.deep.equal([]);
      });

      it(`renewMany sends one script call per ${RENEW_CHUNK} locks, all in one pipeline`, async () => {
        const targets = Array.from({ length: 2 * RENEW_CHUNK + 7 }, () => newTarget(ns, 2_000));
        await Promise.all(targets.map((t) => driver.tryAcquire(t)));
        await raw.del(targets[RENEW_CHUNK + 1]!.key);
        const pipeline = sinon.spy(client, 'pipeline');
        try {
          const ok = await driver.renewMany!(targets.map((t) => ({ ...t, expire: 30_000 })));
          expect(pipeline.callCount).to.equal(1);
          expect(ok).to.have.length(targets.length);
          expect(ok.flatMap((x, i) => (x ? [] : [i]))).to.deep.equal([RENEW_CHUNK + 1]);
          expect(await raw.pttl(targets[targets.length - 1]!.key)).to.be.above(29_000);
        } finally {
          pipeline.restore();
        }
      });
    });

    describe('isLocked', () => {
      it('is "the key exists", whoever wrote it', async () => {
        const t = newTarget(ns);
        expect(await driver.isLocked(t.key)).to.equal(false);
        await pythonSherlock.acquire(raw, t.key, pythonSherlock.owner(), 60);
        expect(await driver.isLocked(t.key)).to.equal(true);
      });
    });

    describe('wire compatibility with Python sherlock', () => {
      it('a Python holder of ns_x makes us busy until it releases, and we never delete its key', async () => {
        const t = newTarget(ns);
        const py = pythonSherlock.owner();
        expect(await pythonSherlock.acquire(raw, t.key, py, 60)).to.equal(true);
        expect(await raw.ttl(t.key)).to.be.within(59, 60);
        expect(await driver.tryAcquire(t)).to.deep.equal({ acquired: false, queued: true });
        expect(await driver.release(t)).to.equal(false);
        expect(await driver.renew(t)).to.equal(false);
        expect(await raw.get(t.key)).to.equal(py);
        expect(await pythonSherlock.release(raw, t.key, py)).to.equal(true);
        expect((await driver.tryAcquire(t)).acquired).to.equal(true);
      });

      it('our holder makes Python busy; Python sees it locked and cannot release it; our token can', async () => {
        const t = newTarget(ns);
        await driver.tryAcquire(t);
        expect(await pythonSherlock.locked(raw, t.key)).to.equal(true);
        expect(await pythonSherlock.acquire(raw, t.key, pythonSherlock.owner(), 60)).to.equal(false);
        expect(await pythonSherlock.release(raw, t.key, pythonSherlock.owner())).to.equal(false);
        expect(await raw.get(t.key)).to.equal(t.token);
        // Python's compare-and-delete with our token works on our key: it is a plain value.
        expect(await pythonSherlock.release(raw, t.key, t.token)).to.equal(true);
        expect(await driver.isLocked(t.key)).to.equal(false);
      });
    });

    describe('watchReleases', () => {
      const signals = (d: LockDriver, target = newTarget(ns)) => {
        const seen: ReleaseSignal[] = [];
        const errors: unknown[] = [];
        const sub = d.watchReleases!(target).subscribe({ next: (s) => seen.push(s), error: (e) => errors.push(e) });
        return { seen, errors, sub, target };
      };

      it('emits listening once SUBSCRIBE is confirmed, then released on each release', async () => {
        const t = newTarget(ns);
        const waiting = otherOwner(t);
        const w = signals(driver, waiting);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        await driver.tryAcquire(t);
        await driver.tryAcquire(waiting); // busy: now someone waits
        await driver.release(t);
        await eventually(() => expect(w.seen).to.deep.equal(['listening', 'released']));
        // A failed (not ours) release publishes nothing.
        await driver.release(t);
        await sleep(50);
        expect(w.seen).to.deep.equal(['listening', 'released']);
        w.sub.unsubscribe();
      });

      it('wakes only the waiter at the head of the queue, the one the lock will go to', async () => {
        const t = newTarget(ns);
        const [first, second] = [otherOwner(t), otherOwner(t)];
        const heard = [signals(driver, first), signals(driver, second)];
        await eventually(() => expect(heard.map((w) => w.seen)).to.deep.equal([['listening'], ['listening']]));
        await driver.tryAcquire(t);
        await driver.tryAcquire(first);
        await driver.tryAcquire(second);
        await driver.release(t);
        await eventually(() => expect(heard[0]!.seen).to.deep.equal(['listening', 'released']));
        await sleep(50);
        expect(heard[1]!.seen).to.deep.equal(['listening']); // woken, it could only have been refused
        expect((await driver.tryAcquire(first)).acquired).to.equal(true);
        await driver.release(first);
        await eventually(() => expect(heard[1]!.seen).to.deep.equal(['listening', 'released']));
        for (const w of heard) w.sub.unsubscribe();
        await driver.release(second);
      });

      it('hands a released lock to the head of the queue (its token, its TTL, the next fencing token) and announces it', async () => {
        const evalshaCalls = async (): Promise<number> => {
          const m = /cmdstat_evalsha:calls=(\d+)/.exec((await raw.info('commandstats')) as string);
          return m ? Number(m[1]) : 0;
        };
        const t = newTarget(ns);
        const head: LockTarget = { ...otherOwner(t), expire: 4_000 };
        const second = otherOwner(t);
        const w = signals(driver, head);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        const held = await driver.tryAcquire(t);
        const busyAskedAt = monotonicNow();
        expect((await driver.tryAcquire(head)).acquired).to.equal(false);
        const busyAnsweredAt = monotonicNow();
        expect((await driver.tryAcquire(second)).acquired).to.equal(false);
        expect(await driver.release(t)).to.equal(true);
        // Handed over on the server: the head's token and TTL, not the releaser's 10 s.
        expect(await raw.get(t.key)).to.equal(head.token);
        expect(await raw.pttl(t.key)).to.be.within(1, 4_000);
        const fence = Number(await raw.get(fenceKeyOf(t.key)));
        if (held.acquired) expect(fence).to.equal(Number(held.fencingToken) + 1);
        expect(await raw.zrange(waiterQueueKeyOf(t.key), '0', '-1')).to.deep.equal([second.token]);
        await eventually(() => expect(w.seen).to.deep.equal(['listening', 'released']));
        // The head's next attempt is answered from the announcement: no script call.
        const calls = await evalshaCalls();
        const got = await driver.tryAcquire(head);
        expect(await evalshaCalls()).to.equal(calls);
        if (!got.acquired) throw new Error('expected the handed-over grant');
        expect(got.fencingToken).to.equal(fence);
        // Validity counts from before the attempt that queued it, never from the announcement.
        expect(got.grantedAfter).to.be.a('number').and.within(busyAskedAt, busyAnsweredAt);
        // The next in line is still busy; releasing passes it on again.
        expect((await driver.tryAcquire(second)).acquired).to.equal(false);
        w.sub.unsubscribe();
        expect(await driver.release(head)).to.equal(true);
        expect(await raw.get(t.key)).to.equal(second.token);
        expect(await driver.release(second)).to.equal(true);
      });

      it('does not hand a lock to a head that asked for no expiry: it is woken and takes it with its next attempt', async () => {
        const t = newTarget(ns);
        const head: LockTarget = { ...otherOwner(t), expire: null };
        const w = signals(driver, head);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        await driver.tryAcquire(t);
        expect((await driver.tryAcquire(head)).acquired).to.equal(false);
        expect(await driver.release(t)).to.equal(true);
        expect(await raw.exists(t.key)).to.equal(0);
        await eventually(() => expect(w.seen).to.deep.equal(['listening', 'released']));
        const got = await driver.tryAcquire(head);
        expect(got.acquired).to.equal(true);
        expect(got.acquired && got.grantedAfter).to.equal(undefined);
        expect(await raw.pttl(t.key)).to.equal(-1);
        w.sub.unsubscribe();
        await driver.release(head);
      });

      it('ignores a handover announcement older than the token\'s last busy answer', async () => {
        const t = newTarget(ns);
        const waiter = otherOwner(t);
        await driver.tryAcquire(t);
        expect((await driver.tryAcquire(waiter)).acquired).to.equal(false);
        const counter = Number(await raw.get(fenceKeyOf(t.key)));
        const grants = (driver as RedisDriver).grants;
        // As if the announcement of a handover the token has since given back arrived late.
        grants.handedOver(waiter.token, counter);
        // Refused, and asked the server: the real answer is "busy" (an accepted fake would say granted).
        expect((await driver.tryAcquire(waiter)).acquired).to.equal(false);
        await driver.release(waiter);
        await driver.release(t);
      });

      it('publishes nothing on a release when nobody waits in the queue', async () => {
        const t = newTarget(ns);
        const w = signals(driver, t);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        const before = await publishCalls();
        expect((await driver.tryAcquire(t)).acquired).to.equal(true);
        expect(await driver.release(t)).to.equal(true);
        await sleep(50);
        expect(w.seen).to.deep.equal(['listening']);
        expect(await publishCalls()).to.equal(before);
        w.sub.unsubscribe();
      });

      it('passes the lock on when the waiter it was handed to gives up', async () => {
        const t = newTarget(ns);
        const [gone, next] = [otherOwner(t), otherOwner(t)];
        await driver.tryAcquire(t);
        await driver.tryAcquire(gone);
        await driver.tryAcquire(next);
        const w = signals(driver, next);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        await driver.release(t);
        expect(await raw.get(t.key)).to.equal(gone.token);
        expect(await driver.release(gone)).to.equal(true); // it had been handed the lock
        expect(await raw.get(t.key)).to.equal(next.token);
        await eventually(() => expect(w.seen).to.deep.equal(['listening', 'released']));
        expect((await driver.tryAcquire(next)).acquired).to.equal(true);
        w.sub.unsubscribe();
        await driver.release(next);
      });

      it('wakes the others when a waiter before a free lock gives up (waiters without expiry)', async () => {
        const base = newTarget(ns);
        const t = { ...base, expire: null };
        const [gone, next] = [otherOwner(t), otherOwner(t)];
        await driver.tryAcquire(t);
        await driver.tryAcquire(gone);
        await driver.tryAcquire(next);
        await driver.release(t);
        const w = signals(driver, next);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        expect(await driver.release(gone)).to.equal(false);
        await eventually(() => expect(w.seen).to.deep.equal(['listening', 'released']));
        expect((await driver.tryAcquire(next)).acquired).to.equal(true);
        w.sub.unsubscribe();
        await driver.release(next);
      });

      it('shares one subscriber connection per client, refcounted per channel, closed when idle', async () => {
        // Earlier tests' subscribers are gone: a channel lingers up to twice the idle time (one sweep it just missed).
        await sleep(2 * SUBSCRIBER_IDLE_CLOSE_MS + 100);
        const pubsubClients = async () => ((await raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).split('\n').filter(Boolean).length;
        const others = await pubsubClients(); // 0 unless the server (REDIS_URL) is shared
        const c = redis.client();
        const duplicate = sinon.spy(c, 'duplicate');
        const d = redisBackend.driverFor(c) as RedisDriver;
        const t1 = newTarget(ns);
        const t2 = newTarget(ns);
        const waiter = otherOwner(t1); // same lock: its release message names this waiter
        const subs: Subscription[] = [];
        const seen: ReleaseSignal[][] = [];
        for (const t of [waiter, waiter, waiter, t2]) {
          const s: ReleaseSignal[] = [];
          seen.push(s);
          subs.push(d.watchReleases(t).subscribe((x) => s.push(x)));
        }
        await eventually(() => expect(seen.every((s) => s[0] === 'listening')).to.equal(true));
        expect(duplicate.callCount).to.equal(1);
        expect(d.releases.channelCount).to.equal(2);
        // A late watcher of an armed channel hears `listening` at once.
        const late: ReleaseSignal[] = [];
        subs.push(d.watchReleases(waiter).subscribe((x) => late.push(x)));
        expect(late).to.deep.equal(['listening']);

        expect(await pubsubClients()).to.equal(others + 1);
        subs[0]!.unsubscribe();
        subs[1]!.unsubscribe();
        expect(d.releases.channelCount).to.equal(2);
        await d.tryAcquire(t1);
        await d.tryAcquire(waiter); // busy: now someone waits
        await d.release(t1);
        await eventually(() => expect(seen[2]).to.deep.equal(['listening', 'released']));
        expect(seen[0]).to.deep.equal(['listening']); // unsubscribed watchers hear nothing
        expect(seen[3]).to.deep.equal(['listening']); // other channel

        for (const s of subs) s.unsubscribe();
        // Both channels linger for a moment (a waiter may come back), then go with the connection.
        expect(d.releases.channelCount).to.equal(2);
        expect(d.releases.isOpen).to.equal(true);
        await sleep(SUBSCRIBER_IDLE_CLOSE_MS + 100);
        expect(d.releases.channelCount).to.equal(0);
        expect(d.releases.isOpen).to.equal(false);
        expect(await pubsubClients()).to.equal(others);

        // And it comes back on demand.
        const again = signals(d);
        await eventually(() => expect(again.seen).to.deep.equal(['listening']));
        expect(duplicate.callCount).to.equal(2);
        again.sub.unsubscribe();
        duplicate.restore();
      });

      it('keeps a channel subscribed for a moment after its last watcher left: a waiter back within it is listening at once', async () => {
        const subscribeCalls = async (): Promise<number> => {
          const m = /cmdstat_subscribe:calls=(\d+)/.exec((await raw.info('commandstats')) as string);
          return m ? Number(m[1]) : 0;
        };
        const c = redis.client();
        const d = redisBackend.driverFor(c) as RedisDriver;
        const t = newTarget(ns);
        const before = await subscribeCalls();
        const first = signals(d, t);
        await eventually(() => expect(first.seen).to.deep.equal(['listening']));
        first.sub.unsubscribe();
        // A handoff: the granted waiter left, and one hold later it waits on the same lock again.
        const back: ReleaseSignal[] = [];
        const sub = d.watchReleases(t).subscribe((x) => back.push(x));
        expect(back).to.deep.equal(['listening']); // no SUBSCRIBE round trip to wait for
        expect((await subscribeCalls()) - before).to.equal(1);
        sub.unsubscribe();
        await sleep(SUBSCRIBER_IDLE_CLOSE_MS + 100);
        expect(d.releases.channelCount).to.equal(0);
        expect(d.releases.isOpen).to.equal(false);
      });

      it('respects the client keyPrefix: keys and channels carry it', async () => {
        const c = redis.client({ keyPrefix: `${ns}:pfx:` });
        const d = redisBackend.driverFor(c);
        const t = newTarget(ns);
        const waiting = otherOwner(t);
        const w = signals(d, waiting);
        await eventually(() => expect(w.seen).to.deep.equal(['listening']));
        await d.tryAcquire(t);
        expect(await raw.get(`${ns}:pfx:${t.key}`)).to.equal(t.token);
        expect(await raw.exists(`${ns}:pfx:{${t.key}}:fence`)).to.equal(1);
        expect(await d.isLocked(t.key)).to.equal(true);
        expect(await driver.isLocked(t.key)).to.equal(false); // unprefixed client: another key
        await d.tryAcquire(waiting); // busy: now someone waits
        expect(await raw.exists(`${ns}:pfx:{${t.key}}:waiters`)).to.equal(1);
        await d.release(t);
        await eventually(() => expect(w.seen).to.deep.equal(['listening', 'released']));
        w.sub.unsubscribe();
      });
    });

    describe('connection faults', () => {
      it('fails acquire with the connection error (the core wraps it) when nothing listens, instead of hanging', async () => {
        const port = await freePort();
        const c = redis.client({ port, host: '127.0.0.1', lazyConnect: true });
        // redis.client() gives the URL; point it at the dead port instead.
        c.options.port = port;
        const d = redisBackend.driverFor(c);
        const started = Date.now();
        const err = await d.tryAcquire(newTarget(ns)).catch((e: unknown) => e);
        expect(Date.now() - started).to.be.below(2_000);
        expect(isRawClientError(err), String(err)).to.equal(true);
        expect((err as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
        // Now reconnecting: fails at once.
        const again = await d.tryAcquire(newTarget(ns)).catch((e: unknown) => e);
        expect(isRawClientError(again)).to.equal(true);
        expect(await d.isLocked('x').catch((e: unknown) => isRawClientError(e))).to.equal(true);
        c.disconnect();
      });

      it('surfaces release and renewal failures as the ioredis error (the core wraps it)', async () => {
        const port = await freePort();
        const c = redis.client({ lazyConnect: true, maxRetriesPerRequest: 0 });
        c.options.port = port;
        const d = redisBackend.driverFor(c);
        const [a, b] = [newTarget(ns), newTarget(ns)];
        const batch = await d.renewMany!([a, b]).catch((e: unknown) => e);
        expect(isRawClientError(batch), String(batch)).to.equal(true);
        const released = await d.release(a).catch((e: unknown) => e);
        expect(isRawClientError(released), String(released)).to.equal(true);
        const extended = await d.renew(a).catch((e: unknown) => e);
        expect(isRawClientError(extended), String(extended)).to.equal(true);
        c.disconnect();
      });

      // The default client is made by the library with `require('ioredis')`, which is 6 here
      // (ioredis5.spec.ts runs it on 5 in a child process where `ioredis` resolves to 5).
      (ioredis === IOREDIS_6 ? it : it.skip)('the default client fails fast the same way when 127.0.0.1:6379 is down, and closeDefaultClients() closes it', async function () {
        const d = redisBackend.driverFor(undefined) as RedisDriver;
        expect(redisBackend.driverFor(undefined)).to.equal(d);
        try {
          const got = await d.tryAcquire(newTarget(ns)).then(
            () => 'acquired' as const,
            (e: unknown) => e,
          );
          if (got === 'acquired') {
            // Something does listen on 6379 here; nothing to check about a down server.
            await d.release(newTarget(ns));
            this.skip();
          }
          expect(isRawClientError(got), String(got)).to.equal(true);
          expect((got as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
        } finally {
          await redisBackend.closeDefaultClients!();
        }
        expect(redisBackend.driverFor(undefined)).to.not.equal(d);
        await redisBackend.closeDefaultClients!();
      });
    });
  });
}
