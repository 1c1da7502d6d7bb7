/**
 * Within one process, waiters on one lock (same driver and key) are served in arrival order:
 * a newcomer queues behind the local waiters instead of trying at once and beating the
 * waiter that a release woke up.
 */
import { expect } from 'chai';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { Lock, MemoryStore, backends } from '../../lib';
import type { BackendDescriptor } from '../../lib/core/driver';
import { useRedis } from '../backends/redis/support';
import { runPrefix } from '../support/targets';

interface Setup {
  backend: BackendDescriptor;
  client: unknown;
}

function describeArrivalOrder(title: string, setup: () => Setup): void {
  describe(title, function () {
    this.timeout(30_000);
    let n = 0;
    const lockOf = (name: string, options: { timeout?: number } = {}) => {
      const { backend, client } = setup();
      return new Lock(name, { backend, client, expire: 10_000, ...options });
    };
    const uniqueName = () => `${runPrefix()}-order-${++n}`;

    it('grants ten tasks run three at a time in the order they asked', async function () {
      const name = uniqueName();
      const order = await lastValueFrom(
        from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).pipe(
          mergeMap(async (task) => {
            const handle = await lockOf(name).hold({ timeout: 20_000 });
            try {
              await new Promise((r) => setTimeout(r, 5));
              return task;
            } finally {
              await handle.release();
            }
          }, 3),
          toArray(),
        ),
      );
      expect(order).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('gives the lock to the waiter, not to a newcomer that arrives as it is released', async function () {
      const name = uniqueName();
      const first = await lockOf(name).hold();
      const granted: string[] = [];
      const waiter = lockOf(name)
        .hold({ timeout: 20_000 })
        .then((h) => (granted.push('waiter'), h));
      // Let the waiter hear "busy" and start waiting.
      await new Promise((r) => setTimeout(r, 50));
      const released = first.release();
      const newcomer = lockOf(name)
        .hold({ timeout: 20_000 })
        .then((h) => (granted.push('newcomer'), h));
      await released;
      const w = await waiter;
      expect(granted).to.deep.equal(['waiter']);
      await w.release();
      await (await newcomer).release();
      expect(granted).to.deep.equal(['waiter', 'newcomer']);
    });
  });
}

describe('arrival order within a process', function () {
  describeArrivalOrder('memory backend', () => {
    const store = sharedStore;
    return { backend: backends.MEMORY, client: store };
  });
  const sharedStore = new MemoryStore();

  describe('redis backend @integration', function () {
    const redis = useRedis();
    let client: unknown;
    describeArrivalOrder('one ioredis client', () => {
      client ??= redis.client();
      return { backend: backends.REDIS, client };
    });
  });
});
