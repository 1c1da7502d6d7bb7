/**
 * How many requests and round trips a lock cycle costs on memcached, counted by the server
 * (its `stats`) or seen by a proxy: the ADD and the fencing increment leave in one flight, and
 * release and renewal use the version the ADD stored instead of reading it back, falling back
 * to the owner check whenever that version cannot be trusted.
 */
import { expect } from 'chai';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { LockDriver } from '../../../lib/core/driver';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import type { MemjsClient } from '../../../lib/backends/memcached/send';
import { Opcode } from '../../../lib/backends/memcached/protocol';
import { memcachedAvailable, ownMemcachedAvailable, startMemcached, startOwnMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { eventually, newTarget, otherOwner, rawClient, runPrefix, serverStats } from './support';

const COUNTERS = ['cmd_get', 'cmd_set', 'delete_hits', 'delete_misses', 'incr_hits', 'incr_misses', 'cas_hits', 'cas_badval'] as const;

/** The change of the server's request counters while `run` runs (nothing else uses this server's keys meanwhile). */
async function countRequests(address: string, run: () => Promise<void>): Promise<Record<(typeof COUNTERS)[number], number>> {
  const before = await serverStats(address);
  await run();
  const after = await serverStats(address);
  return Object.fromEntries(COUNTERS.map((k) => [k, after[k] - before[k]])) as Record<(typeof COUNTERS)[number], number>;
}

(memcachedAvailable() ? describe : describe.skip)('memcached round trips @integration', function () {
  this.timeout(30_000);
  let server: MemcachedServer;
  let client: MemjsClient;
  let driver: LockDriver;
  const ns = runPrefix();

  before(async () => {
    server = await startMemcached();
    client = rawClient(server.address);
    driver = memcachedBackend.driverFor(client);
    await driver.isLocked(`${ns}_warm`); // connected before counting
  });

  after(async () => {
    client?.close();
    await server?.close();
  });

  it('acquires and releases an uncontended lock with ADD, increment and one DELETE: no GET', async () => {
    const first = newTarget(ns);
    // The first grant creates the counter, which memcached counts as no increment at all.
    await driver.tryAcquire(first);
    await driver.release(first);
    const t = otherOwner(first);
    const counts = await countRequests(server.address, async () => {
      expect((await driver.tryAcquire(t)).acquired).to.equal(true);
      expect(await driver.release(t)).to.equal(true);
    });
    expect(counts).to.include({ cmd_get: 0, cmd_set: 1, incr_hits: 1, delete_hits: 1 });
    expect(await driver.isLocked(t.key)).to.equal(false);
  });

  it('renews and then releases with one request each: no GET', async () => {
    const t = newTarget(ns);
    expect((await driver.tryAcquire(t)).acquired).to.equal(true);
    const counts = await countRequests(server.address, async () => {
      expect(await driver.renew(t)).to.equal(true);
      expect(await driver.renew(t)).to.equal(true);
      expect(await driver.release(t)).to.equal(true);
    });
    expect(counts).to.include({ cmd_get: 0, cmd_set: 2, cas_hits: 2, delete_hits: 1 });
  });

  it('polls a busy lock with the ADD alone after the first attempt', async () => {
    const holder = newTarget(ns);
    await driver.tryAcquire(holder);
    const waiter = otherOwner(holder);
    const counts = await countRequests(server.address, async () => {
      for (let i = 0; i < 4; i++) expect((await driver.tryAcquire(waiter)).acquired).to.equal(false);
    });
    // One increment, in the first attempt's flight; three polls that cost one ADD each.
    expect(counts).to.include({ cmd_set: 4, cmd_get: 0 });
    expect(counts.incr_hits + counts.incr_misses).to.equal(1);
    await driver.release(holder);
  });

  it('checks the owner again when the item changed since the ADD, and still releases a lock that is ours', async () => {
    const t = newTarget(ns);
    await driver.tryAcquire(t);
    // Rewritten with our own token (a new version: the remembered CAS no longer matches).
    const other = rawClient(server.address);
    await other.set(t.key, t.token, { expires: 60 });
    expect(await driver.release(t)).to.equal(true);
    expect(await driver.isLocked(t.key)).to.equal(false);
    other.close();
  });

  it('does not release a lock another owner took after ours expired and was replaced', async () => {
    const t = newTarget(ns);
    await driver.tryAcquire(t);
    const other = rawClient(server.address);
    await other.delete(t.key);
    const them = otherOwner(t);
    await other.add(them.key, them.token, { expires: 60 });
    expect(await driver.release(t)).to.equal(false);
    expect((await other.get(t.key)).value?.toString()).to.equal(them.token);
    other.close();
  });

  it('sends the fencing increment in the ADD\'s flight, before the ADD is answered', async () => {
    const proxy = await holdingProxy(server.address);
    const c = rawClient(proxy.address);
    try {
      const d = memcachedBackend.driverFor(c);
      await d.isLocked(`${ns}_proxywarm`); // connected, so that the next requests leave at once
      proxy.hold = true;
      const t = newTarget(ns);
      const attempt = d.tryAcquire(t);
      // Before: the increment left only once the ADD's answer came back, so it never arrived here.
      await eventually(async () => proxy.opcodes.includes(Opcode.INCREMENT), 5_000);
      expect(proxy.opcodes.slice(-2)).to.deep.equal([Opcode.ADD, Opcode.INCREMENT]);
      proxy.release();
      expect((await attempt).acquired).to.equal(true);
      expect(await d.release(t)).to.equal(true);
    } finally {
      proxy.release();
      c.close();
      await proxy.close();
    }
  });

  describe('after a restart of the server', () => {
    let own: MemcachedServer;

    before(async function () {
      if (!ownMemcachedAvailable()) this.skip();
      own = await startOwnMemcached();
    });

    after(async () => {
      await own?.close();
    });

    it('does not trust the version learnt before the restart, which another owner\'s item can carry again', async () => {
      const c = rawClient(own.address);
      const d = memcachedBackend.driverFor(c);
      const t = newTarget(ns);
      // The first items of a fresh server: the restarted one numbers its versions from the same start.
      expect((await d.tryAcquire(t)).acquired).to.equal(true);
      await own.stop();
      await own.start();
      const other = rawClient(own.address);
      const them = otherOwner(t);
      expect(await other.add(them.key, them.token, { expires: 60 })).to.equal(true);
      // Reconnected (the first request may fail on the closed connection), then released once.
      await d.isLocked(`${ns}_reconnect`).catch(() => false);
      expect(await d.isLocked(`${ns}_reconnect`)).to.equal(false);
      expect(await d.release(t)).to.equal(false);
      expect((await other.get(t.key)).value?.toString()).to.equal(them.token);
      other.close();
      c.close();
    });
  });
});

/** A TCP proxy to memcached that can hold the server's answers back and records the opcodes of the requests it forwards. */
async function holdingProxy(upstream: string): Promise<{
  address: string;
  hold: boolean;
  readonly opcodes: number[];
  release(): void;
  close(): Promise<void>;
}> {
  const [host, port] = upstream.split(':');
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  const state = {
    address: '',
    hold: false,
    opcodes: [] as number[],
    release(): void {
      state.hold = false;
      for (const f of held.splice(0)) f();
    },
    close: (): Promise<void> => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
  const srv: Server = createServer((down) => {
    const up = connect({ host, port: Number(port) });
    sockets.add(down).add(up);
    let pending = Buffer.alloc(0);
    down.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 24 && pending.length >= 24 + pending.readUInt32BE(8)) {
        state.opcodes.push(pending[1]);
        pending = pending.subarray(24 + pending.readUInt32BE(8));
      }
      up.write(d);
    });
    up.on('data', (d: Buffer) => (state.hold ? held.push(() => down.write(d)) : down.write(d)));
    for (const s of [up, down]) {
      s.on('error', () => undefined);
      s.on('close', () => (s === up ? down : up).destroy());
    }
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  state.address = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return state;
}
