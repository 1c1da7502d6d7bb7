import { expect } from 'chai';
import { RedisLock } from '../../../lib';
import { sleep } from '../../support/async';
import { runPrefix, useRedis } from './support';

/**
 * Redis locks are not FIFO, but no waiter may be starved by the server's notification order:
 * with one connection per contender (as with one process each), Redis delivers a release to
 * the same subscriber first every time, and without the core's wake spread some contenders
 * were measured to get the lock once in 3 s while the others took it ~1,100 times (about
 * 0.5% of a fair share). With the spread the least served contender got 26% to 90% of a fair
 * share in five local runs, and 10% once in CI on a loaded machine: the bound below (4%) is
 * far from both, so it fails on starvation and not on noise.
 */
describe('RedisLock handoff between contenders on separate connections @integration', function () {
  this.timeout(30_000);
  const redis = useRedis();

  it('serves every contender, none starved by the notification order', async function () {
    const name = `${runPrefix()}fair`;
    const contenders = 6;
    const locks = Array.from({ length: contenders }, () => new RedisLock(name, { client: redis.client(), timeout: 10_000 }));
    // Outside the measured window: the first lock of a run loads (under ts-node, compiles) the
    // Redis driver, which took the whole window when this file ran alone.
    for (const lock of locks) {
      await lock.acquire();
      await lock.release();
    }
    const grants = new Array<number>(contenders).fill(0);
    const end = performance.now() + 3_000;
    let holder = -1;
    const worker = async (me: number) => {
      const lock = locks[me]!;
      while (performance.now() < end) {
        await lock.acquire();
        holder = me;
        grants[me]!++;
        await sleep(1);
        await lock.release();
        // Ask again only once another contender got it: every grant is a handoff to a waiter.
        while (holder === me && performance.now() < end) await sleep(0);
      }
    };
    await Promise.all(locks.map((_, i) => worker(i)));
    const total = grants.reduce((a, b) => a + b, 0);
    expect(total, grants.join(' ')).to.be.above(100);
    expect(Math.min(...grants), grants.join(' ')).to.be.at.least((total / contenders) * 0.04);
  });

  /**
   * The releaser asks again at once, before the others have even heard of the release. Without
   * the waiter queue it took the lock back about 3 times in 4 (Jain index 0.71 over the grant
   * counts); with it a free lock goes to the longest waiter, so grants go round. The bounds
   * (self-regrants under half, least served at least a quarter of a fair share) are far from
   * both the old figures and the round-robin the queue gives, so noise does not decide them.
   */
  it('does not let a releaser that asks again at once take the lock back from the waiters', async function () {
    const name = `${runPrefix()}greedy`;
    const contenders = 6;
    const locks = Array.from({ length: contenders }, () => new RedisLock(name, { client: redis.client(), timeout: 20_000 }));
    for (const lock of locks) {
      await lock.acquire();
      await lock.release();
    }
    const grants = new Array<number>(contenders).fill(0);
    let selfRegrants = 0;
    let last = -1;
    const end = performance.now() + 3_000;
    const worker = async (me: number) => {
      const lock = locks[me]!;
      while (performance.now() < end) {
        await lock.acquire();
        if (last === me) selfRegrants++;
        last = me;
        grants[me]!++;
        await sleep(1);
        await lock.release();
      }
    };
    await Promise.all(locks.map((_, i) => worker(i)));
    const total = grants.reduce((a, b) => a + b, 0);
    const detail = `grants ${grants.join(' ')}, self-regrants ${selfRegrants}`;
    // Each handoff took ~40 ms on a machine loaded by parallel runs (79 grants in 3 s); 40 is
    // enough for the shares below to mean something.
    expect(total, detail).to.be.above(40);
    expect(selfRegrants / total, detail).to.be.below(0.5);
    expect(Math.min(...grants), detail).to.be.at.least((total / contenders) * 0.25);
  });
});
