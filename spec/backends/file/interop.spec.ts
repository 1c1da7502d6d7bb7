import { closeSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { FileDriver } from '../../../lib/backends/file/driver';
import { NO_EXPIRY } from '../../../lib/backends/file/expiry-time';
import { lockFilesOf } from '../../../lib/backends/file/file-names';
import { flockExclusive, openFlockFile } from '../../../lib/backends/file/flock';
import { LockDirectory } from '../../../lib/backends/file/lock-directory';
import { FileLock } from '../../../lib';
import { exitOf, lineOf, newTarget, python, pythonFilelockAvailable, pythonProcess, removeDirectories, scratchDirectory } from './support';

// Python sherlock 0.4.1's FileLock protocol, spoken by spec/backends/file/python/sherlock_file_lock.py
// with Debian's python3-filelock.
(pythonFilelockAvailable() ? describe : describe.skip)('file backend: interop with Python sherlock FileLock @integration', function () {
  this.timeout(60_000);
  let dir: string;
  let driver: FileDriver;
  const locks: FileLock[] = [];
  const lock = (name: string, expire: number | null = 10_000, retryInterval?: number) => {
    const l = new FileLock(name, { client: dir, expire, retryInterval });
    locks.push(l);
    return l;
  };

  beforeEach(function () {
    dir = scratchDirectory();
    driver = new FileDriver(new LockDirectory(dir));
  });
  afterEach(async function () {
    await Promise.all(locks.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
    driver.close();
    removeDirectories();
  });

  it("keeps Node out while Python holds the lock, and grants it after Python's release", async function () {
    const owner = (await python(dir, 'billing_report', 'acquire', '30')).replace(/^acquired /, '');
    const l = lock('report');
    const inNamespace = new FileLock('report', { client: dir, namespace: 'billing' });
    locks.push(inNamespace);
    expect(await l.acquire(false)).to.equal(true); // another key: 'report'
    expect(await inNamespace.acquire(false)).to.equal(false);
    expect(await inNamespace.locked()).to.equal(true);
    expect(await python(dir, 'billing_report', 'release', owner)).to.equal('released');
    expect(await inNamespace.acquire(false)).to.equal(true);
  });

  it("keeps Python out while Node holds the lock, and lets Python in after Node's release", async function () {
    const l = lock('job');
    await l.acquire();
    expect(await python(dir, 'job', 'acquire', '30')).to.equal('busy');
    expect(await python(dir, 'job', 'locked')).to.equal('locked');
    expect(await python(dir, 'job', 'release', 'not-the-owner')).to.equal('not-owner');
    expect(await l.locked()).to.equal(true);
    await l.release();
    expect(await python(dir, 'job', 'locked')).to.equal('free');
    expect(await python(dir, 'job', 'acquire', '30')).to.match(/^acquired /);
  });

  it('shares dotted names as pathlib derives their files', async function () {
    const owner = (await python(dir, 'job.1', 'acquire', '30')).replace(/^acquired /, '');
    expect(await lock('job.2').acquire(false)).to.equal(false); // both are job.json in Python
    await python(dir, 'job.1', 'release', owner);
    expect(await lock('job.2').acquire(false)).to.equal(true);
  });

  it('never-expiring locks: each side reads the other\'s datetime.max', async function () {
    const owner = (await python(dir, 'forever', 'acquire', 'none')).replace(/^acquired /, '');
    expect(await lock('forever', null).acquire(false)).to.equal(false);
    await python(dir, 'forever', 'release', owner);
    const l = lock('forever', null);
    expect(await l.acquire(false)).to.equal(true);
    expect(JSON.parse(readFileSync(lockFilesOf(dir, 'forever').state, 'utf8'))).to.have.property('expiry_time', NO_EXPIRY);
    expect(await python(dir, 'forever', 'acquire', '30')).to.equal('busy');
    expect(await python(dir, 'forever', 'locked')).to.equal('locked');
  });

  it("lets each side take the other's expired lock, as Python decides expiry", async function () {
    await python(dir, 'short', 'acquire', '0.5');
    expect(await lock('short', 500, 100).acquire({ timeout: 20_000 })).to.equal(true);
    // Left to expire (no renewal): Python may then take it.
    const t = newTarget(null, 500, 'short2');
    await driver.tryAcquire(t);
    let answer = await python(dir, 'short2', 'acquire', '30');
    for (let i = 0; answer === 'busy' && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await python(dir, 'short2', 'acquire', '30');
    }
    expect(answer).to.match(/^acquired /);
    expect(await driver.renew(t)).to.equal(false);
    expect(await driver.release(t)).to.equal(false);
  });

  it("renews against Python's clock reading: Python sees the renewed expiry_time", async function () {
    const t = newTarget(null, 1_000, 'renewed');
    await driver.tryAcquire(t);
    await driver.renew({ ...t, expire: 60_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await python(dir, 'renewed', 'locked')).to.equal('locked');
  });

  it('waits for a flock held by Python (it would otherwise miss what Python writes under it)', async function () {
    const py = pythonProcess(dir, 'flocked', 'hold-flock');
    await lineOf(py, /^held/);
    const attempt = driver.tryAcquire(newTarget(null, 10_000, 'flocked'));
    // Python writes a foreign owner only after Node's attempt started; an attempt that ignored
    // the flock would have found no state file and acquired.
    await new Promise((r) => setTimeout(r, 300));
    py.stdin.write('go\n');
    await lineOf(py, /^wrote/);
    expect((await attempt).acquired).to.equal(false);
    expect(await exitOf(py)).to.equal(0);
  });

  it('keeps Python out of a flock Node holds, until Node closes it', async function () {
    const path = lockFilesOf(dir, 'flocked').flock;
    const fd = openFlockFile(path);
    try {
      await flockExclusive(fd, path);
      expect(await python(dir, 'flocked', 'try-flock')).to.equal('flock-busy');
    } finally {
      closeSync(fd);
    }
    expect(await python(dir, 'flocked', 'try-flock')).to.equal('flocked');
  });

  it('wakes a Node waiter when Python releases, without waiting for its poll', async function () {
    const owner = (await python(dir, 'woken', 'acquire', '60')).replace(/^acquired /, '');
    // Polling every 10 minutes: only the directory watch can grant this before the timeout.
    const waiting = lock('woken', 10_000, 600_000).acquire({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    await python(dir, 'woken', 'release', owner);
    expect(await waiting).to.equal(true);
  });
});
