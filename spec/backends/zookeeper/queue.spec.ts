/**
 * The queue: waiters are granted in the order they joined, one release wakes one waiter (each
 * watches only its predecessor), and a holder cut off from the server hears LockLostError
 * before the server can expire its session and grant the lock to someone else.
 */
import type { Client } from 'node-zookeeper-client';
import { expect } from 'chai';
import { ZooKeeperLock, isLockLostError, isLockTimeoutError } from '../../../lib';
import { runPrefix } from '../../support/targets';
import { StallingProxy } from './stalling-proxy';
import { childrenOf, closeClient, connectedClient, useZooKeeper } from './support';

/**
 * Counts the queue listings a client makes and the watches that wake it while it waits (its
 * own node's watch, which fires when it releases after the grant, is not a wake-up).
 */
function counted(client: Client) {
  const counts = { children: 0, watchesSet: 0, wokenWhileWaiting: 0, waiting: true };
  const getChildren = client.getChildren.bind(client) as (...args: unknown[]) => void;
  const exists = client.exists.bind(client) as (...args: unknown[]) => void;
  Object.assign(client, {
    getChildren: (...args: unknown[]) => {
      counts.children++;
      getChildren(...args);
    },
    exists: (...args: unknown[]) => {
      if (args.length === 3 && typeof args[1] === 'function') {
        counts.watchesSet++;
        const watcher = args[1] as (...e: unknown[]) => void;
        args[1] = (...e: unknown[]) => {
          if (counts.waiting) counts.wokenWhileWaiting++;
          watcher(...e);
        };
      }
      exists(...args);
    },
  });
  return counts;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe('zookeeper backend: queue @integration', function () {
  this.timeout(120_000);
  const zk = useZooKeeper();
  const namespace = runPrefix();
  let seq = 0;
  let observer: Client | undefined;

  const queueLength = async (name: string, count: number) => {
    const client = (observer ??= await zk.client());
    await until(async () => (await childrenOf(client, `/${namespace}/${name}`)).length >= count);
  };

  it('grants several waiters in the order they joined (FIFO)', async function () {
    const name = `fifo${++seq}`;
    const holder = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await holder.acquire(false)).to.equal(true);
    const order: number[] = [];
    const done: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      // Waiters of two clients, alternating: the order is the queue's, not a client's.
      const lock = new ZooKeeperLock(name, { client: await zk.client(), namespace });
      done.push(
        lock.acquire({ timeout: 60_000 }).then(async (got) => {
          expect(got).to.equal(true);
          order.push(i);
          await lock.release();
        }),
      );
      await queueLength(name, i + 2);
    }
    await holder.release();
    await Promise.all(done);
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('leaves no node behind once a non-blocking or timed-out attempt has answered', async function () {
    const name = `giveup${++seq}`;
    const path = `/${namespace}/${name}`;
    const holder = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await holder.acquire(false)).to.equal(true);
    const other = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    const client = (observer ??= await zk.client());
    // Each attempt queued a node; the answer comes only once it is deleted again, so a caller
    // that exits at once leaves nothing ahead of the next contender.
    expect(await other.acquire(false)).to.equal(false);
    expect(await childrenOf(client, path)).to.have.length(1);
    const timedOut = await other.acquire({ timeout: 300 }).then(String, (err: unknown) => err);
    expect(isLockTimeoutError(timedOut), String(timedOut)).to.equal(true);
    expect(await childrenOf(client, path)).to.have.length(1);
    await holder.release();
    expect(await other.acquire(false)).to.equal(true);
    await other.release();
  });

  it('wakes only the next waiter on each release (no herd)', async function () {
    const name = `herd${++seq}`;
    const holder = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await holder.acquire(false)).to.equal(true);
    const waiters = 4;
    const counts: ReturnType<typeof counted>[] = [];
    const done: Promise<void>[] = [];
    for (let i = 0; i < waiters; i++) {
      const client = await zk.client();
      const count = counted(client);
      counts.push(count);
      const lock = new ZooKeeperLock(name, { client, namespace });
      done.push(
        lock.acquire({ timeout: 60_000 }).then(async () => {
          count.waiting = false;
          await lock.release();
        }),
      );
      await until(() => count.watchesSet >= 1);
    }
    for (const c of counts) c.children = 0;
    await holder.release();
    await Promise.all(done);
    // Each release woke exactly one waiter, which listed the queue once and was granted.
    expect(counts.map((c) => c.wokenWhileWaiting)).to.deep.equal([1, 1, 1, 1]);
    expect(counts.map((c) => c.children)).to.deep.equal([1, 1, 1, 1]);
  });

  it('reports LockLostError to a holder cut off from the server before the next waiter is granted', async function () {
    const name = `cutoff${++seq}`;
    const proxy = await StallingProxy.start(zk.connectionString);
    const cutOff = await connectedClient(proxy.address);
    try {
      const events: string[] = [];
      let granted!: () => void;
      const held = new Promise<void>((resolve) => (granted = resolve));
      const holder = new ZooKeeperLock(name, { client: cutOff, namespace, expire: null });
      const holding = holder
        .run(
          (handle) =>
            new Promise<void>((resolve) => {
              granted();
              handle.signal.addEventListener('abort', () => resolve());
            }),
        )
        .then(
          () => events.push('holder ended without an error'),
          (err: unknown) => events.push(isLockLostError(err) ? 'holder lost' : `holder failed: ${String(err)}`),
        );
      await Promise.race([held, holding]);
      const waiter = new ZooKeeperLock(name, { client: await zk.client(), namespace });
      const waiting = waiter.acquire({ timeout: 60_000 }).then((got) => events.push(got ? 'waiter granted' : 'waiter timed out'));
      await queueLength(name, 2);
      proxy.stall();
      await Promise.all([holding, waiting]);
      expect(events).to.deep.equal(['holder lost', 'waiter granted']);
      await waiter.release();
    } finally {
      await proxy.close();
      void closeClient(cutOff);
    }
  });
});
