/**
 * Interoperability with kazoo's `Lock` (python3-kazoo 2.8, Debian's /usr/bin/python3): the same
 * lock node excludes both ways, and mixed waiters keep one FIFO queue.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ZooKeeperLock } from '../../../lib';
import { runPrefix } from '../../support/targets';
import { LineProcess } from './line-process';
import { childrenOf, useZooKeeper } from './support';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'python', 'kazoo_lock.py');

function kazooAvailable(): boolean {
  if (existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import kazoo.recipe.lock']).status === 0) return true;
  const msg = 'python3-kazoo is not installed for /usr/bin/python3';
  if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
  console.warn(`\n  !!! SKIPPING kazoo interop tests: ${msg}.\n`);
  return false;
}

describe('zookeeper backend: kazoo interop @integration', function () {
  this.timeout(90_000);
  const zk = useZooKeeper();
  const namespace = runPrefix();
  const kazoos: LineProcess[] = [];
  let seq = 0;

  before(function () {
    if (!kazooAvailable()) this.skip();
  });
  afterEach(async function () {
    await Promise.all(kazoos.splice(0).map((k) => k.kill()));
  });

  const lockName = () => `interop${++seq}`;
  const kazoo = async (name: string, identifier: string) => {
    const k = new LineProcess(`kazoo ${identifier}`, PYTHON, [SCRIPT, zk.connectionString, `/${namespace}/${name}`, identifier]);
    kazoos.push(k);
    await k.next('ready');
    return k;
  };
  /** Resolves once the lock node has `count` children (contenders, queued or holding). */
  let observer: import('node-zookeeper-client').Client | undefined;
  const queueLength = async (name: string, count: number) => {
    const client = (observer ??= await zk.client());
    for (;;) {
      if ((await childrenOf(client, `/${namespace}/${name}`)).length >= count) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('makes our lock wait while a kazoo Lock holds the node, and grants it once kazoo releases', async function () {
    const name = lockName();
    const k = await kazoo(name, 'py-holder');
    k.send('try');
    expect(await k.next((l) => l === 'acquired' || l === 'busy')).to.equal('acquired');

    const ours = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await ours.acquire(false)).to.equal(false);
    let kazooReleased = false;
    const waiting = ours.acquire({ timeout: 60_000 }).then((got) => ({ got, afterKazoo: kazooReleased }));
    await queueLength(name, 2);
    kazooReleased = true;
    k.send('release');
    await k.next('released');
    expect(await waiting).to.deep.equal({ got: true, afterKazoo: true });
    await ours.release();
  });

  it('makes a kazoo Lock wait while ours holds, and kazoo gets it once we release', async function () {
    const name = lockName();
    const ours = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await ours.acquire(false)).to.equal(true);
    const k = await kazoo(name, 'py-waiter');
    k.send('try');
    expect(await k.next((l) => l === 'acquired' || l === 'busy')).to.equal('busy');
    // kazoo sees our node as a contender, with our identifier as its data.
    k.send('contenders');
    const contenders = JSON.parse((await k.next('contenders ')).slice('contenders '.length)) as string[];
    expect(contenders).to.have.length(1);
    expect(contenders[0]).to.match(/^sherlock-rx@/);

    k.send('acquire');
    await queueLength(name, 2);
    let weReleased = false;
    const kazooGot = k.next('acquired').then(() => weReleased);
    weReleased = true;
    await ours.release();
    expect(await kazooGot).to.equal(true, 'kazoo acquired before we released');
  });

  it('keeps one FIFO queue for mixed kazoo and sherlock-rx waiters', async function () {
    const name = lockName();
    const order: string[] = [];
    const holder = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    expect(await holder.acquire(false)).to.equal(true);

    // Queue, in this order: kazoo K1, ours B, kazoo K2, ours D (each joins once the previous one is in).
    const k1 = await kazoo(name, 'K1');
    k1.send('acquire');
    await queueLength(name, 2);
    const b = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    const bGot = b.acquire({ timeout: 60_000 });
    await queueLength(name, 3);
    const k2 = await kazoo(name, 'K2');
    k2.send('acquire');
    await queueLength(name, 4);
    const d = new ZooKeeperLock(name, { client: await zk.client(), namespace });
    const dGot = d.acquire({ timeout: 60_000 });
    await queueLength(name, 5);

    // Each one releases as soon as it is granted: the grants must come in queue order.
    const k1Done = k1.next('acquired').then(() => {
      order.push('K1');
      k1.send('release');
    });
    const bDone = bGot.then(async (got) => {
      expect(got).to.equal(true);
      order.push('B');
      await b.release();
    });
    const k2Done = k2.next('acquired').then(() => {
      order.push('K2');
      k2.send('release');
    });
    const dDone = dGot.then(async (got) => {
      expect(got).to.equal(true);
      order.push('D');
      await d.release();
    });
    await holder.release();
    await Promise.all([k1Done, bDone, k2Done, dDone]);
    expect(order).to.deep.equal(['K1', 'B', 'K2', 'D']);
  });
});
