import { expect } from 'chai';
import { EtcdLock } from '../../../lib';
import { sleep } from '../../support/async';
import { etcdctlLock, hasEtcdctl, rawContenders, runPrefix, useEtcd, type EtcdctlLock } from './support';

/** Our locks against etcd's own Go lock (`etcdctl lock`, clientv3/concurrency.Mutex). */
describe('etcd interop with etcdctl lock @integration', function () {
  this.timeout(20_000);
  const etcd = useEtcd();
  const ns = runPrefix();
  const locks: EtcdLock[] = [];
  const ctls: EtcdctlLock[] = [];

  before(function () {
    if (!hasEtcdctl()) {
      if (process.env.CI === 'true') throw new Error('etcdctl is not installed: CI must install etcd-client');
       
      console.warn('\n  !!! SKIPPING etcdctl interop tests: etcdctl is not installed (Debian package etcd-client).\n');
      this.skip();
    }
  });
  afterEach(async function () {
    await Promise.all(ctls.splice(0).map((c) => c.stop()));
    await Promise.all(locks.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
  });

  const newLock = (name: string, options: ConstructorParameters<typeof EtcdLock>[1] = {}) => {
    const lock = new EtcdLock(name, { client: etcd.client(), namespace: ns, ...options });
    locks.push(lock);
    return lock;
  };
  const ctl = (lockName: string, command: string[] = []) => {
    const c = etcdctlLock(etcd.url, `${ns}/${lockName}`, command);
    ctls.push(c);
    return c;
  };

  it('is busy while etcdctl holds the lock, and gets it once etcdctl unlocks', async function () {
    const holder = ctl('a');
    const key = await holder.held;
    expect(key).to.match(new RegExp(`^${ns}/a/[0-9a-f]+$`));
    const lock = newLock('a', { timeout: 10_000, retryInterval: 5_000 });
    expect(await lock.locked()).to.equal(true);
    expect(await newLock('a').acquire(false)).to.equal(false);
    const got = lock.acquire();
    await sleep(300);
    await holder.stop();
    expect(await got).to.equal(true);
  });

  it('makes etcdctl wait while we hold the lock, and lets it in once we release', async function () {
    const lock = newLock('b');
    await lock.acquire();
    const waiter = ctl('b', ['echo', 'etcdctl-got-it']);
    await sleep(800);
    expect(waiter.printed).to.equal(false);
    expect(await rawContenders(etcd.client(), lock.key)).to.have.length(2); // etcdctl queued its key
    await lock.release();
    expect(await waiter.held).to.equal('etcdctl-got-it');
    expect(await waiter.exited).to.equal(0);
  });

  it('shares one FIFO queue with etcdctl: ours, then etcdctl, then ours', async function () {
    const first = newLock('c');
    await first.acquire();
    const middle = ctl('c');
    await waitForKeys(first.key, 2);
    const last = newLock('c', { timeout: 15_000, retryInterval: 50 });
    const lastGot = last.acquire();
    await waitForKeys(first.key, 3);
    await first.release();
    await middle.held;
    await sleep(300);
    expect(await last.locked()).to.equal(true);
    expect(last.fencingToken).to.equal(undefined); // still waiting behind etcdctl
    await middle.stop();
    expect(await lastGot).to.equal(true);
  });

  async function waitForKeys(prefix: string, n: number): Promise<void> {
    const client = etcd.client();
    for (let i = 0; i < 100; i++) {
      if ((await rawContenders(client, prefix)).length >= n) return;
      await sleep(50);
    }
    throw new Error(`fewer than ${n} contenders under ${prefix}`);
  }
});
