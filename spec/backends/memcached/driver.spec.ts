import { expect } from 'chai';
import type { LockDriver } from '../../../lib/core/driver';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import { MemcachedDriver } from '../../../lib/backends/memcached/driver';
import { deleteIfUnchanged } from '../../../lib/backends/memcached/release';
import { rewriteIfUnchanged } from '../../../lib/backends/memcached/renew';
import { ifOwned, readOwnedCas } from '../../../lib/backends/memcached/read';
import { fenceKeyOf, FENCE_SUFFIX, MAX_KEY_BYTES } from '../../../lib/backends/memcached/key';
import { nextFencingToken } from '../../../lib/backends/memcached/fence';
import type { MemjsClient } from '../../../lib/backends/memcached/send';
import { isRawClientError } from '../../support/checks';
import { createServer, type Socket } from 'node:net';
import { freePort } from '../../support/servers/process';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { SERVER_CLOCK_SLACK_SECONDS as SLACK } from '../../../lib/backends/memcached/expiry';
import { eventually, newTarget, otherOwner, pythonOwner, rawClient, runPrefix, ttlOf } from './support';

const PYTHON_STR_FLAGS = 16;

(memcachedAvailable() ? describe : describe.skip)('memcached driver @integration', function () {
  this.timeout(20_000);
  let server: MemcachedServer;
  let client: MemjsClient;
  let raw: MemjsClient;
  let driver: LockDriver;
  const ns = runPrefix();

  before(async () => {
    server = await startMemcached();
    client = rawClient(server.address);
    raw = rawClient(server.address);
    driver = memcachedBackend.driverFor(client);
  });

  after(async () => {
    client?.close();
    raw?.close();
    await server?.close();
  });

  describe('primitives', () => {
    it('hands out one driver per client', () => {
      expect(memcachedBackend.driverFor(client)).to.equal(driver);
      expect(driver).to.be.instanceOf(MemcachedDriver);
    });

    it('stores the owner token under <namespace>_<name> with Python\'s str flags', async () => {
      const t = newTarget(ns, 10_000, 'format');
      expect(t.key).to.equal(`${ns}_format`);
      expect((await driver.tryAcquire(t)).acquired).to.equal(true);
      const { value, flags } = await raw.get(`${ns}_format`);
      expect(value?.toString()).to.equal(t.token);
      expect(flags?.readUInt32BE(0)).to.equal(PYTHON_STR_FLAGS);
      expect(await ttlOf(server.address, t.key)).to.be.within(10 + SLACK - 1, 10 + SLACK);
      await driver.release(t);
    });

    it('refuses a second owner while the lock is held', async () => {
      const a = newTarget(ns);
      expect((await driver.tryAcquire(a)).acquired).to.equal(true);
      expect((await driver.tryAcquire(otherOwner(a))).acquired).to.equal(false);
      expect((await driver.tryAcquire(a)).acquired).to.equal(false);
      await driver.release(a);
    });

    it('releases only its own lock', async () => {
      const a = newTarget(ns);
      await driver.tryAcquire(a);
      expect(await driver.release(otherOwner(a))).to.equal(false);
      expect((await raw.get(a.key)).value?.toString()).to.equal(a.token);
      expect(await driver.release(a)).to.equal(true);
      expect((await raw.get(a.key)).value).to.equal(null);
      expect(await driver.release(a)).to.equal(false);
    });

    it('extends only its own lock, to the new expiry', async () => {
      const a = newTarget(ns, 5_000);
      await driver.tryAcquire(a);
      expect(await driver.renew(otherOwner(a))).to.equal(false);
      expect(await ttlOf(server.address, a.key)).to.be.within(5 + SLACK - 1, 5 + SLACK);
      expect(await driver.renew({ ...a, expire: 100_000 })).to.equal(true);
      expect(await ttlOf(server.address, a.key)).to.be.within(100 + SLACK - 1, 100 + SLACK);
      expect((await raw.get(a.key)).value?.toString()).to.equal(a.token);
      await driver.release(a);
      expect(await driver.renew(a)).to.equal(false);
    });

    it('reports whether a lock is held', async () => {
      const a = newTarget(ns);
      expect(await driver.isLocked(a.key)).to.equal(false);
      await driver.tryAcquire(a);
      expect(await driver.isLocked(a.key)).to.equal(true);
      await driver.release(a);
      expect(await driver.isLocked(a.key)).to.equal(false);
    });
  });

  describe('Python sherlock compatibility', () => {
    it('is busy while Python sherlock holds the key (an add of str(uuid4()))', async () => {
      const t = newTarget(ns);
      expect(await raw.add(t.key, pythonOwner(), { expires: 30 })).to.equal(true);
      expect((await driver.tryAcquire(t)).acquired).to.equal(false);
      expect(await driver.isLocked(t.key)).to.equal(true);
      expect(await driver.release(t)).to.equal(false);
      expect(await driver.renew(t)).to.equal(false);
      await raw.delete(t.key);
      expect((await driver.tryAcquire(t)).acquired).to.equal(true);
      await driver.release(t);
    });

    it('makes Python sherlock busy while we hold the key, and its owner check fails on our value', async () => {
      const t = newTarget(ns);
      await driver.tryAcquire(t);
      // Python sherlock's acquire is `client.add(key, owner, expire)`; its release compares `get(key)` with its owner.
      expect(await raw.add(t.key, pythonOwner(), { expires: 30 })).to.equal(false);
      expect((await raw.get(t.key)).value?.toString()).to.equal(t.token);
      await driver.release(t);
    });
  });

  describe('stale owner', () => {
    it('cannot release or renew the lock of the owner who took it after its expiry', async () => {
      const a = newTarget(ns, 1_000);
      await driver.tryAcquire(a);
      await eventually(async () => (await raw.get(a.key)).value === null, 5_000);
      const b = otherOwner(a);
      expect((await driver.tryAcquire(b)).acquired).to.equal(true);
      expect(await driver.release(a)).to.equal(false);
      expect(await driver.renew(a)).to.equal(false);
      expect((await raw.get(a.key)).value?.toString()).to.equal(b.token);
      expect(await driver.release(b)).to.equal(true);
    });

    it('keeps the server copy at least `expire` ms (the server expiry has a second of slack)', async () => {
      const a = newTarget(ns, 1_000);
      const sent = Date.now();
      await driver.tryAcquire(a);
      await eventually(async () => (await raw.get(a.key)).value === null, 5_000, 20);
      expect(Date.now() - sent).to.be.at.least(1_000);
    });
  });

  describe('atomicity of the owner check', () => {
    it('does not delete a lock that changed between the GET and the DELETE', async () => {
      const a = newTarget(ns);
      await driver.tryAcquire(a);
      const cas = await readOwnedCas(client, a);
      expect(cas).to.not.equal(null);
      // Between our GET and our DELETE: A's lock expires and B takes it.
      const b = otherOwner(a);
      await raw.delete(a.key);
      expect((await driver.tryAcquire(b)).acquired).to.equal(true);
      expect(await deleteIfUnchanged(client, a.key, cas as Buffer)).to.equal('changed');
      expect((await raw.get(a.key)).value?.toString()).to.equal(b.token);
      await driver.release(b);
    });

    it('does not renew a lock that changed between the GET and the SET', async () => {
      const a = newTarget(ns);
      await driver.tryAcquire(a);
      const cas = await readOwnedCas(client, a);
      await raw.set(a.key, pythonOwner(), { expires: 30 });
      expect(await rewriteIfUnchanged(client, a, cas as Buffer)).to.equal('changed');
      expect((await raw.get(a.key)).value?.toString()).to.not.equal(a.token);
      await raw.delete(a.key);
    });

    it('reports a lock deleted between the GET and the DELETE as not ours', async () => {
      const a = newTarget(ns);
      await driver.tryAcquire(a);
      const outcome = await ifOwned(client, a, async (cas) => {
        await raw.delete(a.key);
        return deleteIfUnchanged(client, a.key, cas);
      });
      expect(outcome).to.equal(false);
    });

    it('retries the owner check when its own renewal changed the item in between', async () => {
      const a = newTarget(ns);
      await driver.tryAcquire(a);
      let interposed = false;
      const outcome = await ifOwned(client, a, async (cas) => {
        if (!interposed) {
          interposed = true;
          expect(await driver.renew(a)).to.equal(true);
        }
        return deleteIfUnchanged(client, a.key, cas);
      });
      expect(outcome).to.equal(true);
      expect((await raw.get(a.key)).value).to.equal(null);
    });
  });

  describe('expiry', () => {
    it('sends an expiry beyond 30 days as an absolute time (the item lives)', async () => {
      const days31 = 31 * 86_400_000;
      const a = newTarget(ns, days31);
      expect((await driver.tryAcquire(a)).acquired).to.equal(true);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await driver.isLocked(a.key)).to.equal(true);
      const ttl = (await ttlOf(server.address, a.key)) as number;
      expect(ttl).to.be.within(31 * 86_400 - 5, 31 * 86_400 + SLACK + 2);
      expect(await driver.renew({ ...a, expire: 2 * days31 })).to.equal(true);
      expect(await ttlOf(server.address, a.key)).to.be.within(62 * 86_400 - 5, 62 * 86_400 + SLACK + 2);
      await driver.release(a);
    });

    it('stores a lock with expire null without expiry, and keeps it so when renewed', async () => {
      const a = newTarget(ns, null);
      await driver.tryAcquire(a);
      expect(await ttlOf(server.address, a.key)).to.equal(-1);
      expect(await driver.renew(a)).to.equal(true);
      expect(await ttlOf(server.address, a.key)).to.equal(-1);
      await driver.release(a);
    });
  });

  describe('fencing tokens', () => {
    it('strictly increase with every grant of a lock', async () => {
      const seen: number[] = [];
      const name = 'fenced';
      for (let i = 0; i < 5; i++) {
        const t = newTarget(ns, 10_000, name);
        const r = await driver.tryAcquire(t);
        expect(r.acquired).to.equal(true);
        if (r.acquired) seen.push(Number(r.fencingToken));
        await driver.release(t);
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]).to.be.greaterThan(seen[i - 1]);
      expect(Number.isSafeInteger(seen[0])).to.equal(true);
    });

    it('move once per contended acquisition, not with each poll of the busy lock', async () => {
      // The first attempt draws its token in the same flight as the ADD; later polls send the ADD alone.
      const a = newTarget(ns);
      const first = await driver.tryAcquire(a);
      const b = otherOwner(a);
      for (let i = 0; i < 3; i++) expect((await driver.tryAcquire(b)).acquired).to.equal(false);
      await driver.release(a);
      const next = await driver.tryAcquire(b);
      if (!first.acquired || !next.acquired) throw new Error('expected grants');
      expect(Number(next.fencingToken)).to.equal(Number(first.fencingToken) + 2);
      await driver.release(b);
    });

    it('keep increasing after the counter was evicted', async () => {
      const a = newTarget(ns);
      const first = await driver.tryAcquire(a);
      await driver.release(a);
      await raw.delete(fenceKeyOf(a.key));
      const b = otherOwner(a);
      const next = await driver.tryAcquire(b);
      if (!first.acquired || !next.acquired) throw new Error('expected grants');
      expect(Number(next.fencingToken)).to.be.greaterThan(Number(first.fencingToken));
      await driver.release(b);
    });

    it('restart above the lost counter even within the same millisecond', async () => {
      const key = newTarget(ns).key;
      const before = await nextFencingToken(client, key, 1_800_000_000_000.25);
      await raw.delete(fenceKeyOf(key));
      const after = await nextFencingToken(client, key, 1_800_000_000_000.75);
      expect(after).to.be.greaterThan(before);
      await raw.delete(fenceKeyOf(key));
    });

    it('live under the reserved counter key next to the lock', async () => {
      const a = newTarget(ns);
      const r = await driver.tryAcquire(a);
      const counter = await raw.get(`${a.key}${FENCE_SUFFIX}`);
      expect(Number(counter.value?.toString())).to.equal(r.acquired ? Number(r.fencingToken) : NaN);
      await driver.release(a);
    });
  });

  describe('key limits', () => {
    it('works with the longest key the validation accepts (lock and counter within 250 bytes)', async () => {
      const budget = MAX_KEY_BYTES - FENCE_SUFFIX.length;
      const name = 'ü'.repeat(Math.floor((budget - ns.length - 1) / 2));
      const padded = name + 'x'.repeat(budget - ns.length - 1 - Buffer.byteLength(name));
      const t = { ...newTarget(ns), name: padded, key: memcachedBackend.keyFor(padded, ns) };
      expect(Buffer.byteLength(t.key)).to.equal(budget);
      expect((await driver.tryAcquire(t)).acquired).to.equal(true);
      expect(await driver.release(t)).to.equal(true);
    });
  });

  describe('failures', () => {
    it('keeps working after memjs\'s request counter passes 2^31', async () => {
      const c = rawClient(server.address);
      (c as { seq: number }).seq = 0x7fffffff;
      const d = memcachedBackend.driverFor(c);
      const a = newTarget(ns);
      expect((await d.tryAcquire(a)).acquired).to.equal(true);
      expect(await d.release(a)).to.equal(true);
      expect(c.seq).to.be.above(0);
      c.close();
    });

    it('rejects with the memjs error (the core wraps it) when nothing listens', async () => {
      const port = await freePort();
      const dead = rawClient(`127.0.0.1:${port}`);
      const deadDriver = memcachedBackend.driverFor(dead);
      const started = Date.now();
      const err = await deadDriver.tryAcquire(newTarget(ns)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isRawClientError(err), String(err)).to.equal(true);
      expect((err as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
      expect(Date.now() - started).to.be.below(5_000);
      for (const op of [deadDriver.release(newTarget(ns)), deadDriver.renew(newTarget(ns)), deadDriver.isLocked('x')]) {
        expect(isRawClientError(await op.then(() => null, (e: unknown) => e))).to.equal(true);
      }
      dead.close();
    });

    it('fails a request whose connection the server closes without answering, instead of hanging', async () => {
      // memjs 1.3.2 leaves such a request's callback pending forever.
      const fake = await fakeServer((sock) => sock.once('data', () => sock.end()));
      const c = rawClient(fake.address);
      const err = await memcachedBackend.driverFor(c).tryAcquire(newTarget(ns)).then(() => null, (e: unknown) => e);
      expect(isRawClientError(err), String(err)).to.equal(true);
      expect(String(err)).to.include('closed before the response');
      c.close();
      await fake.close();
    });

    it('fails a request the server never answers after the client timeout', async () => {
      const fake = await fakeServer(() => undefined);
      const c = rawClient(fake.address);
      const started = Date.now();
      const err = await memcachedBackend.driverFor(c).renew(newTarget(ns)).then(() => null, (e: unknown) => e);
      expect(isRawClientError(err), String(err)).to.equal(true);
      expect(Date.now() - started).to.be.below(5_000);
      c.close();
      await fake.close();
    });

    it('fails a request after the server restarted, then works again on the same client', async function () {
      if (!server.managed) this.skip();
      const own = rawClient(server.address);
      const d = memcachedBackend.driverFor(own);
      const a = newTarget(ns);
      await d.tryAcquire(a);
      await server.stop();
      const err = await d.renew(a).then(() => null, (e: unknown) => e);
      expect(isRawClientError(err), String(err)).to.equal(true);
      await server.start();
      // The same client reconnects; the restarted server is empty.
      expect(await d.isLocked(a.key)).to.equal(false);
      own.close();
    });
  });

  describe('default client', () => {
    it('connects to MEMCACHE_SERVERS (else localhost:11211) lazily and closes on closeDefaultClients', async () => {
      const saved = process.env.MEMCACHE_SERVERS;
      process.env.MEMCACHE_SERVERS = server.address;
      try {
        await memcachedBackend.closeDefaultClients?.();
        const d = memcachedBackend.driverFor(undefined);
        expect(memcachedBackend.driverFor(undefined)).to.equal(d);
        const t = newTarget(ns);
        expect((await d.tryAcquire(t)).acquired).to.equal(true);
        expect(await d.release(t)).to.equal(true);
        await memcachedBackend.closeDefaultClients?.();
        expect(memcachedBackend.driverFor(undefined)).to.not.equal(d);
        await memcachedBackend.closeDefaultClients?.();
      } finally {
        if (saved === undefined) delete process.env.MEMCACHE_SERVERS;
        else process.env.MEMCACHE_SERVERS = saved;
      }
    });
  });
});

/** A TCP server on a free loopback port that does `onConnection` with each socket (a misbehaving memcached). */
async function fakeServer(onConnection: (socket: Socket) => void): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    onConnection(sock);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
