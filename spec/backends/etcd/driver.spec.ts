import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { type Subscription } from 'rxjs';
import { EtcdLock, LockBackendError, LockLostError, LockTimeoutError, isLockBackendError, type LockHandle } from '../../../lib';
import { etcdBackend } from '../../../lib/backends/etcd/descriptor';
import { Session } from '../../../lib/backends/etcd/session';
import type { LockDriver, ReleaseSignal } from '../../../lib/core/driver';
import { eventually, sleep } from '../../support/async';
import { freePort } from '../../support/servers/process';
import { newTarget, otherOwner, rawContenders, runPrefix, useEtcd } from './support';

describe('etcd driver @integration', function () {
  this.timeout(20_000);
  const etcd = useEtcd();
  const ns = runPrefix();
  let client: Etcd3;
  let driver: LockDriver;
  const subscriptions: Subscription[] = [];
  const locks: EtcdLock[] = [];

  before(function () {
    client = etcd.client();
    driver = etcdBackend.driverFor(client);
  });
  afterEach(async function () {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await Promise.all(locks.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
  });

  const newLock = (name: string, options: ConstructorParameters<typeof EtcdLock>[1] = {}) => {
    const lock = new EtcdLock(name, { client, namespace: ns, ...options });
    locks.push(lock);
    return lock;
  };
  const leaseTtl = async (hex: string) => {
    const res = await client.leaseClient.leaseTimeToLive({ ID: BigInt(`0x${hex}`).toString() });
    return { ttl: Number(res.TTL), granted: Number(res.grantedTTL) };
  };

  describe('key layout', function () {
    it("writes etcd's lock layout: P/<lease hex>, empty value, attached to the session lease", async function () {
      const target = newTarget(ns);
      expect(await driver.tryAcquire(target)).to.deep.include({ acquired: true });
      const res = await client.getAll().prefix(`${target.key}/`).exec();
      expect(res.kvs).to.have.length(1);
      const kv = res.kvs[0]!;
      const hex = BigInt(kv.lease).toString(16);
      expect(kv.key.toString()).to.equal(`${ns}/${target.name}/${hex}`);
      expect(kv.value.toString()).to.equal('');
      expect((await leaseTtl(hex)).granted).to.equal(10);
      expect(await driver.release(target)).to.equal(true);
      expect(await rawContenders(client, target.key)).to.deep.equal([]);
    });

    it('gives contenders that share a lease distinct keys (P/<hex>, P/<hex>_<n>) and queues them', async function () {
      const a = newTarget(ns);
      const b = otherOwner(a);
      expect(await driver.tryAcquire(a)).to.deep.include({ acquired: true });
      expect(await driver.tryAcquire(b)).to.deep.equal({ acquired: false, queued: true });
      const [first, second] = await rawContenders(client, a.key);
      expect(first!.key).to.equal(`${a.key}/${first!.lease}`);
      expect(second!.key).to.match(new RegExp(`^${a.key}/${first!.lease}_\\d+$`));
      expect(second!.lease).to.equal(first!.lease);
      await driver.release(a);
      expect(await driver.tryAcquire(b)).to.deep.include({ acquired: true });
      await driver.release(b);
    });

    it('uses one lease for many locks with the same expire, one per distinct TTL', async function () {
      const targets = [1, 2, 3, 4, 5].map(() => newTarget(ns, 10_000));
      const other = newTarget(ns, 20_500);
      for (const t of [...targets, other]) expect(await driver.tryAcquire(t)).to.deep.include({ acquired: true });
      const leases = new Set<string>();
      for (const t of targets) for (const c of await rawContenders(client, t.key)) leases.add(c.lease);
      expect(leases.size).to.equal(1);
      const [otherKey] = await rawContenders(client, other.key);
      expect(leases.has(otherKey!.lease)).to.equal(false);
      expect((await leaseTtl(otherKey!.lease)).granted).to.equal(21);
      for (const t of [...targets, other]) expect(await driver.release(t)).to.equal(true);
    });

    it('revokes a session lease shortly after its last lock is released', async function () {
      const target = newTarget(ns, 10_000);
      await driver.tryAcquire(target);
      const [key] = await rawContenders(client, target.key);
      await driver.release(target);
      await eventually(async () => expect((await leaseTtl(key!.lease)).ttl).to.equal(-1), 5_000, 100);
    });

    it('ignores deeper keys under P/ (they belong to other locks)', async function () {
      const target = newTarget(ns);
      await client.put(`${target.key}/x/0123456789abcdef`).value('');
      expect(await driver.isLocked(target.key)).to.equal(false);
      expect(await driver.tryAcquire(target)).to.deep.include({ acquired: true });
      expect(await driver.isLocked(target.key)).to.equal(true);
      await driver.release(target);
      await client.delete().prefix(`${target.key}/`);
    });

    it('works on a namespaced client (etcd3 Namespace): keys under its prefix', async function () {
      const nsClient = client.namespace(`${ns}-space/`);
      const d = etcdBackend.driverFor(nsClient);
      const a = newTarget(null);
      const b = otherOwner(a);
      expect(await d.tryAcquire(a)).to.deep.include({ acquired: true });
      expect(await d.tryAcquire(b)).to.deep.equal({ acquired: false, queued: true });
      const raw = await rawContenders(client, `${ns}-space/${a.key}`);
      expect(raw).to.have.length(2);
      const signals: ReleaseSignal[] = [];
      subscriptions.push(d.watchReleases!(b).subscribe((s) => signals.push(s)));
      await eventually(() => expect(signals).to.include('listening'));
      expect(await d.release(a)).to.equal(true);
      await eventually(() => expect(signals).to.include('released'));
      expect(await d.tryAcquire(b)).to.deep.include({ acquired: true });
      expect(await d.release(b)).to.equal(true);
    });
  });

  describe('ownership', function () {
    it('releases only for the owner token', async function () {
      const target = newTarget(ns);
      await driver.tryAcquire(target);
      expect(await driver.release(otherOwner(target))).to.equal(false);
      expect(await driver.isLocked(target.key)).to.equal(true);
      expect(await driver.renew(target)).to.equal(true);
      expect(await driver.release(target)).to.equal(true);
      expect(await driver.release(target)).to.equal(false);
      expect(await driver.renew(target)).to.equal(false);
    });

    it('gives fencing tokens equal to the key create revision, increasing across locks', async function () {
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        const target = newTarget(ns, 10_000, i % 2 ? 'fenceA' : 'fenceB');
        const attempt = await driver.tryAcquire(target);
        expect(attempt.acquired).to.equal(true);
        const token = (attempt as { fencingToken: number }).fencingToken;
        const [raw] = await rawContenders(client, target.key);
        expect(token).to.equal(raw!.createRevision);
        seen.push(token);
        await driver.release(target);
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).to.be.greaterThan(seen[i - 1]!);
    });

    it('re-queues a waiter whose key was deleted behind its back', async function () {
      const holder = newTarget(ns);
      const waiter = otherOwner(holder);
      await driver.tryAcquire(holder);
      await driver.tryAcquire(waiter);
      const [, waiting] = await rawContenders(client, holder.key);
      await client.delete().key(waiting!.key);
      expect(await driver.tryAcquire(waiter)).to.deep.equal({ acquired: false, queued: true });
      expect(await rawContenders(client, holder.key)).to.have.length(2);
      await driver.release(holder);
      expect(await driver.tryAcquire(waiter)).to.deep.include({ acquired: true });
      await driver.release(waiter);
    });
  });

  describe('fairness and wake-ups', function () {
    it('grants waiters in the order they asked (FIFO by create revision)', async function () {
      const name = 'fifo';
      const holder = newLock(name);
      await holder.acquire();
      const order: number[] = [];
      const waiters: Promise<void>[] = [];
      for (let i = 1; i <= 4; i++) {
        // retryInterval 0: a waiter that polled instead of queueing would win races
        const w = newLock(name, { timeout: 15_000, retryInterval: 0 });
        waiters.push(
          w.acquire().then(async () => {
            order.push(i);
            await sleep(10);
            await w.release();
          }),
        );
        await eventually(async () => expect(await rawContenders(client, holder.key)).to.have.length(i + 1));
      }
      await holder.release();
      await Promise.all(waiters);
      expect(order).to.deep.equal([1, 2, 3, 4]);
    });

    it('wakes a waiter only for the deletion of the key just ahead of it, then watches the next one ahead', async function () {
      const holder = newTarget(ns);
      const ahead = otherOwner(holder);
      const me = otherOwner(holder);
      const behind = otherOwner(holder);
      await driver.tryAcquire(holder);
      await driver.tryAcquire(ahead);
      await driver.tryAcquire(me);
      await driver.tryAcquire(behind);
      const signals: ReleaseSignal[] = [];
      subscriptions.push(driver.watchReleases!(me).subscribe((s) => signals.push(s)));
      await eventually(() => expect(signals).to.deep.equal(['listening']));
      await driver.release(behind);
      await sleep(200);
      expect(signals).to.deep.equal(['listening']);
      await driver.release(ahead);
      await eventually(() => expect(signals).to.deep.equal(['listening', 'released']));
      // The holder is ahead now: the attempt that reads so moves the watch to its key.
      expect(await driver.tryAcquire(me)).to.deep.equal({ acquired: false, queued: true });
      await driver.release(holder);
      await eventually(() => expect(signals).to.deep.equal(['listening', 'released', 'released']));
      expect(await driver.tryAcquire(me)).to.deep.include({ acquired: true });
      await driver.release(me);
    });

    it('does not wake a waiter for the holder\'s release while another waiter is between them', async function () {
      const holder = newTarget(ns);
      const ahead = otherOwner(holder);
      const me = otherOwner(holder);
      await driver.tryAcquire(holder);
      await driver.tryAcquire(ahead);
      await driver.tryAcquire(me);
      const signals: ReleaseSignal[] = [];
      subscriptions.push(driver.watchReleases!(me).subscribe((s) => signals.push(s)));
      await eventually(() => expect(signals).to.deep.equal(['listening']));
      await driver.release(holder);
      expect(await driver.tryAcquire(ahead)).to.deep.include({ acquired: true });
      await sleep(300);
      expect(signals).to.deep.equal(['listening']);
      await driver.release(ahead);
      await eventually(() => expect(signals).to.deep.equal(['listening', 'released']));
      expect(await driver.tryAcquire(me)).to.deep.include({ acquired: true });
      await driver.release(me);
    });

    it('wakes a waiter whose session lease is lost, so that it queues again on a new lease', async function () {
      const holder = newTarget(ns, 10_000);
      // Another TTL, so another session: revoking its lease leaves the holder's alone.
      const me = { ...otherOwner(holder), expire: 2_000 };
      await driver.tryAcquire(holder);
      await driver.tryAcquire(me);
      const signals: ReleaseSignal[] = [];
      subscriptions.push(driver.watchReleases!(me).subscribe((s) => signals.push(s)));
      await eventually(() => expect(signals).to.deep.equal(['listening']));
      const [, mine] = await rawContenders(client, holder.key);
      await client.leaseClient.leaseRevoke({ ID: BigInt(`0x${mine!.lease}`).toString() });
      await eventually(() => expect(signals).to.deep.equal(['listening', 'released']), 10_000);
      expect(await driver.tryAcquire(me)).to.deep.equal({ acquired: false, queued: true });
      const queue = await rawContenders(client, holder.key);
      expect(queue).to.have.length(2);
      expect(queue[1]!.lease).to.not.equal(mine!.lease);
      await driver.release(holder);
      await driver.release(me);
    });

    it('queues a waiter whose own key was deleted again once the key ahead of it goes', async function () {
      const holder = newTarget(ns);
      const me = otherOwner(holder);
      await driver.tryAcquire(holder);
      await driver.tryAcquire(me);
      const signals: ReleaseSignal[] = [];
      subscriptions.push(driver.watchReleases!(me).subscribe((s) => signals.push(s)));
      await eventually(() => expect(signals).to.deep.equal(['listening']));
      const [, mine] = await rawContenders(client, holder.key);
      await client.delete().key(mine!.key);
      await driver.release(holder);
      await eventually(() => expect(signals).to.deep.equal(['listening', 'released']));
      const attempt = await driver.tryAcquire(me);
      expect(attempt).to.deep.include({ acquired: true });
      // A new key, created after the deletion: not the one that was deleted.
      expect((attempt as { fencingToken: number }).fencingToken).to.be.greaterThan(mine!.createRevision);
      await driver.release(me);
    });

    it('wakes only the waiter right behind the holder when it releases', async function () {
      const holder = newTarget(ns);
      await driver.tryAcquire(holder);
      const waiters = [1, 2, 3].map(() => otherOwner(holder));
      for (const w of waiters) await driver.tryAcquire(w);
      const signals = waiters.map(() => [] as ReleaseSignal[]);
      waiters.forEach((w, i) => subscriptions.push(driver.watchReleases!(w).subscribe((s) => signals[i]!.push(s))));
      await eventually(() => signals.forEach((s) => expect(s).to.deep.equal(['listening'])));
      await driver.release(holder);
      await eventually(() => expect(signals[0]).to.deep.equal(['listening', 'released']));
      await sleep(300);
      expect(signals.slice(1)).to.deep.equal([['listening'], ['listening']]);
      for (const w of waiters) await driver.release(w);
    });
  });

  describe('giving up', function () {
    it('leaves no key behind when a blocking acquire times out', async function () {
      const holder = newLock('timeout');
      await holder.acquire();
      const waiter = newLock('timeout', { timeout: 300, retryInterval: 50 });
      const err = await waiter.acquire().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LockTimeoutError);
      await eventually(async () => expect(await rawContenders(client, holder.key)).to.have.length(1));
    });

    it('leaves no key behind after a non-blocking attempt on a busy lock', async function () {
      const holder = newLock('nonblocking');
      await holder.acquire();
      expect(await newLock('nonblocking').acquire(false)).to.equal(false);
      await eventually(async () => expect(await rawContenders(client, holder.key)).to.have.length(1));
    });
  });

  describe('lease loss', function () {
    it('errors every handle on a lease revoked from outside with LockLostError, then uses a new lease', async function () {
      const a = newLock('lossA', { expire: null });
      const b = newLock('lossB', { expire: null });
      const handles: LockHandle[] = [await a.hold(), await b.hold()];
      const [keyA] = await rawContenders(client, a.key);
      const [keyB] = await rawContenders(client, b.key);
      expect(keyA!.lease).to.equal(keyB!.lease);
      await client.leaseClient.leaseRevoke({ ID: BigInt(`0x${keyA!.lease}`).toString() });
      await eventually(() => {
        for (const h of handles) {
          expect(h.state).to.equal('lost');
          expect(h.signal.reason).to.be.instanceOf(LockLostError);
        }
      }, 3_000);
      const again = newLock('lossA', { expire: null });
      expect(await again.acquire(false)).to.equal(true);
      const [fresh] = await rawContenders(client, a.key);
      expect(fresh!.lease).to.not.equal(keyA!.lease);
    });

    it('tells a session that etcd revoked its lease at the next keepalive', async function () {
      const session = new Session(client, 2);
      try {
        const lease = await session.grant();
        const lost = new Promise<Error>((resolve) => session.onLost(resolve));
        await client.leaseClient.leaseRevoke({ ID: lease.id });
        expect((await lost).message).to.match(/lease .* was lost/);
        expect(session.usable).to.equal(false);
      } finally {
        await session.close();
      }
    });

    it('errors a held handle when its key is deleted by someone else', async function () {
      const lock = newLock('deleted', { expire: null });
      const handle = await lock.hold();
      await client.delete().prefix(`${lock.key}/`);
      await eventually(() => expect(handle.signal.reason).to.be.instanceOf(LockLostError), 3_000);
    });
  });

  describe('an unreachable cluster', function () {
    it('rejects acquire with LockBackendError (cause: the etcd3 error) when nothing listens', async function () {
      const down = new Etcd3({ hosts: `127.0.0.1:${await freePort()}` });
      try {
        const lock = newLock('down', { client: down, timeout: 5_000 });
        const err = await lock.acquire().catch((e: unknown) => e);
        expect(isLockBackendError(err), String(err)).to.equal(true);
        expect((err as LockBackendError).cause).to.be.instanceOf(Error);
      } finally {
        down.close();
      }
    });

    it('rejects acquire with LockBackendError before the acquire timeout when the server never answers', async function () {
      // Accepts TCP connections and never speaks HTTP/2: requests wait for the per-call deadline.
      const sockets = new Set<Socket>();
      const server: Server = createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const silent = new Etcd3({ hosts: `127.0.0.1:${(server.address() as { port: number }).port}` });
      try {
        const lock = newLock('silent', { client: silent, timeout: 9_000 });
        const err = await lock.acquire().catch((e: unknown) => e);
        expect(isLockBackendError(err), String(err)).to.equal(true);
      } finally {
        silent.close();
        for (const s of sockets) s.destroy();
        server.close();
      }
    });
  });
});
