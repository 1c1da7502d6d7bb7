import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { closeDefaultClients, isLockBackendError, isLockLostError, MCLock, MemcachedLock } from '../../../lib';
import type { MemjsClient } from '../../../lib/backends/memcached/send';
import { eventually, sleep } from '../../support/async';
import { memcachedAvailable, startMemcached, type MemcachedServer } from '../../support/servers/memcached';
import { freePort } from '../../support/servers/process';
import { rawClient, runPrefix } from './support';

(memcachedAvailable() ? describe : describe.skip)('MemcachedLock @integration', function () {
  this.timeout(20_000);
  let server: MemcachedServer;
  let client: MemjsClient;
  let raw: MemjsClient;
  const ns = runPrefix();

  before(async () => {
    server = await startMemcached();
    client = rawClient(server.address);
    raw = rawClient(server.address);
  });

  after(async () => {
    client?.close();
    raw?.close();
    await server?.close();
  });

  it('writes Python sherlock\'s key and value and a fencing token', async () => {
    const lock = new MCLock('report', { namespace: ns, client, expire: 5_000 });
    await lock.acquire();
    const handle = await readBack(`${ns}_report`);
    expect(handle).to.match(/^[0-9a-f]{32}$/);
    expect(lock.fencingToken).to.be.a('number');
    await lock.release();
    expect(await readBack(`${ns}_report`)).to.equal(null);
  });

  it('refuses a name memcached cannot store, before touching the server', () => {
    expect(() => new MemcachedLock('has space', { client })).to.throw(/cannot contain spaces/);
    expect(() => new MemcachedLock('x'.repeat(200), { namespace: 'n'.repeat(60), client })).to.throw(/250 bytes/);
  });

  it('loses the lock with LockLostError when the server restarts while it is held with autoRenew', async function () {
    if (!server.managed) this.skip();
    const lock = new MemcachedLock('restart', { namespace: ns, client, expire: 1_500, autoRenew: true });
    const handle = await lock.hold();
    await server.stop(true);
    await server.start();
    await eventually(() => expect(handle.state).to.equal('lost'), 5_000);
    expect(isLockLostError(handle.signal.reason)).to.equal(true);
    // The restarted (empty) server lets another owner in.
    const next = new MemcachedLock('restart', { namespace: ns, client, expire: 5_000 });
    expect(await next.acquire(false)).to.equal(true);
    await next.release();
  });

  it('fails an acquire against a down server with LockBackendError well before its timeout', async () => {
    const port = await freePort();
    const dead = rawClient(`127.0.0.1:${port}`);
    const started = Date.now();
    const err = await new MemcachedLock('down', { client: dead, timeout: 10_000 }).acquire().catch((e: unknown) => e);
    expect(isLockBackendError(err), String(err)).to.equal(true);
    expect(Date.now() - started).to.be.below(5_000);
    dead.close();
  });

  it('polls a busy lock every retryInterval and gets it once the holder releases', async () => {
    const holder = new MemcachedLock('poll', { namespace: ns, client });
    await holder.acquire();
    const waiter = new MemcachedLock('poll', { namespace: ns, client, retryInterval: 50, timeout: 5_000 });
    const got = waiter.acquire();
    await sleep(200);
    await holder.release();
    expect(await got).to.equal(true);
    await waiter.release();
  });

  it('uses the default client without a client option, and closeDefaultClients() closes it', async () => {
    const saved = process.env.MEMCACHE_SERVERS;
    process.env.MEMCACHE_SERVERS = server.address;
    try {
      await closeDefaultClients();
      const lock = new MemcachedLock('default', { namespace: ns });
      await lock.acquire();
      expect(await readBack(`${ns}_default`)).to.not.equal(null);
      await lock.release();
      await closeDefaultClients();
    } finally {
      if (saved === undefined) delete process.env.MEMCACHE_SERVERS;
      else process.env.MEMCACHE_SERVERS = saved;
    }
  });

  it('fails the acquire and removes the lock it created when the fencing increment fails', async () => {
    // A non-numeric counter makes memcached refuse the increment (status 0x0006).
    await raw.set(`${ns}_badfence#fence`, 'not a number', { expires: 60 });
    const lock = new MemcachedLock('badfence', { namespace: ns, client });
    const err = await lock.acquire().catch((e: unknown) => e);
    expect(isLockBackendError(err), String(err)).to.equal(true);
    expect(String((err as Error).cause)).to.include('non-numeric');
    await eventually(async () => expect(await readBack(`${ns}_badfence`)).to.equal(null), 2_000);
  });

  it('lets the process exit while the default client is idle, even if never closed', async function () {
    this.timeout(60_000);
    const script =
      "const { MemcachedLock } = require('./lib');" +
      `(async () => { const l = new MemcachedLock('exit', { namespace: '${ns}' });` +
      "await l.acquire(); await l.release(); process.stdout.write('done'); })();";
    const child = spawn(process.execPath, ['-r', 'ts-node/register', '-e', script], {
      cwd: `${__dirname}/../../..`,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', MEMCACHE_SERVERS: server.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 30_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, `child output: ${out}`).to.equal(0);
    expect(out).to.equal('done');
  });

  async function readBack(key: string): Promise<string | null> {
    return (await raw.get(key)).value?.toString() ?? null;
  }
});
