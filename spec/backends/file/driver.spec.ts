import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileDriver } from '../../../lib/backends/file/driver';
import { NO_EXPIRY, parseExpiryTime } from '../../../lib/backends/file/expiry-time';
import { lockFilesOf } from '../../../lib/backends/file/file-names';
import { LockDirectory } from '../../../lib/backends/file/lock-directory';
import { isLockConfigurationError } from '../../../lib/errors';
import { otherOwner } from '../../support/targets';
import { exitOf, newTarget, nodeChild, removeDirectories, scratchDirectory } from './support';

describe('file backend: driver', function () {
  this.timeout(30_000);
  let dir: string;
  let driver: FileDriver;
  const filesOf = (key: string) => lockFilesOf(dir, key);
  const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(() => new Error('resolved'), (err: unknown) => err);

  beforeEach(function () {
    dir = scratchDirectory();
    driver = new FileDriver(new LockDirectory(dir));
  });
  afterEach(function () {
    driver.close();
    removeDirectories();
  });

  it("writes Python sherlock's state: owner and an ISO-8601 UTC expiry_time", async function () {
    const t = newTarget('ns', 5_000);
    const before = Date.now();
    expect((await driver.tryAcquire(t)).acquired).to.equal(true);
    const state = JSON.parse(readFileSync(filesOf(t.key).state, 'utf8')) as Record<string, unknown>;
    expect(state.owner).to.equal(t.token);
    expect(state.expiry_time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const expiresAtMs = parseExpiryTime(state.expiry_time as string)! / 1000;
    expect(expiresAtMs).to.be.at.least(before + 5_000);
    expect(state).not.to.have.property('holder');
  });

  it('writes datetime.max and the holder (PID, host) for expire: null', async function () {
    const t = newTarget('ns', null);
    await driver.tryAcquire(t);
    const state = JSON.parse(readFileSync(filesOf(t.key).state, 'utf8')) as { expiry_time: string; holder: { pid: number; host: string } };
    expect(state.expiry_time).to.equal(NO_EXPIRY);
    expect(state.holder).to.include({ pid: process.pid, host: hostname() });
  });

  it('keeps the fencing counter increasing after the state file is deleted', async function () {
    const t = newTarget('ns');
    const first = await driver.tryAcquire(t);
    rmSync(filesOf(t.key).state);
    const second = await driver.tryAcquire(otherOwner(t));
    expect(first.acquired && second.acquired).to.equal(true);
    const fence = (a: typeof first) => (a.acquired ? Number(a.fencingToken) : NaN);
    expect(fence(second)).to.be.greaterThan(fence(first));
  });

  it('writes no grant for an attempt abandoned while its flock(1) was starting', async function () {
    // The core abandons an acquisition whose subscriber left mid-attempt; a grant written after
    // that would keep the lock taken until the core's release caught up.
    const t = newTarget('ns');
    const attempt = driver.tryAcquire(t);
    driver.abandon(t);
    expect((await attempt).acquired).to.equal(false);
    expect(existsSync(filesOf(t.key).state)).to.equal(false);
    const other = newTarget('ns');
    expect((await driver.tryAcquire({ ...other, key: t.key })).acquired).to.equal(true);
  });

  it('leaves the .lock file in place (deleting it would split the flock between two files)', async function () {
    const t = newTarget('ns');
    await driver.tryAcquire(t);
    await driver.release(t);
    expect(existsSync(filesOf(t.key).flock)).to.equal(true);
    expect(existsSync(filesOf(t.key).state)).to.equal(false);
  });

  it("never releases or renews another owner's lock", async function () {
    const t = newTarget('ns');
    await driver.tryAcquire(t);
    expect(await driver.release(otherOwner(t))).to.equal(false);
    expect(await driver.renew(otherOwner(t))).to.equal(false);
    expect(await driver.isLocked(t.key)).to.equal(true);
  });

  for (const [what, content] of [
    ['a corrupted (half-written)', '{"owner": "abc", "expi'],
    ['an empty', ''],
    ['a foreign (valid JSON, not a lock state)', '{"hello": "world"}'],
    ['a foreign (a bad expiry_time)', '{"owner": "x", "expiry_time": "tomorrow"}'],
  ] as const) {
    it(`reports ${what} .json instead of taking the lock over it, and leaves it alone`, async function () {
      const t = newTarget('ns');
      writeFileSync(filesOf(t.key).state, content);
      const err = await rejection(driver.tryAcquire(t));
      expect((err as Error).message).to.contain(filesOf(t.key).state).and.to.contain('not a sherlock lock state file');
      expect(await rejection(driver.isLocked(t.key))).to.be.instanceOf(Error);
      expect(await driver.release(t)).to.equal(false);
      expect(await driver.renew(t)).to.equal(false);
      expect(readFileSync(filesOf(t.key).state, 'utf8')).to.equal(content);
    });
  }

  it('accepts a state without microseconds or with another offset, as Python reads it', async function () {
    const t = newTarget('ns');
    writeFileSync(filesOf(t.key).state, JSON.stringify({ owner: 'py', expiry_time: '2999-01-01T00:00:00+02:00' }));
    expect((await driver.tryAcquire(t)).acquired).to.equal(false);
    writeFileSync(filesOf(t.key).state, JSON.stringify({ owner: 'py', expiry_time: '2000-01-01T00:00:00.5' }));
    expect((await driver.tryAcquire(t)).acquired).to.equal(true);
  });

  it("takes over a never-expiring lock whose holder was a dead process of this host, never another host's", async function () {
    const child = nodeChild('exit-at-once.ts', []);
    await exitOf(child);
    const deadPid = child.pid!;
    const t = newTarget('ns', null);
    const state = (host: string) =>
      JSON.stringify({ owner: 'gone', expiry_time: NO_EXPIRY, holder: { pid: deadPid, host, pid_namespace: pidNamespace() } });
    writeFileSync(filesOf(t.key).state, state('another-host.example'));
    expect((await driver.tryAcquire(t)).acquired).to.equal(false);
    expect(await driver.isLocked(t.key)).to.equal(true);
    writeFileSync(filesOf(t.key).state, state(hostname()));
    expect(await driver.isLocked(t.key)).to.equal(false);
    expect((await driver.tryAcquire(t)).acquired).to.equal(true);
  });

  it('does not take over a never-expiring lock whose local holder is alive', async function () {
    const t = newTarget('ns', null);
    writeFileSync(
      filesOf(t.key).state,
      JSON.stringify({ owner: 'alive', expiry_time: NO_EXPIRY, holder: { pid: process.ppid, host: hostname(), pid_namespace: pidNamespace() } }),
    );
    expect((await driver.tryAcquire(t)).acquired).to.equal(false);
  });

  it('creates a missing directory with mode 0o700', function () {
    const created = join(dir, 'sub', 'locks');
    new FileDriver(new LockDirectory(created)).close();
    expect(statSync(created).mode & 0o777).to.equal(0o700);
  });

  it('fails with LockConfigurationError for a directory it cannot write', async function () {
    chmodSync(dir, 0o755); // reachable by the unprivileged child below
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(readOnly, 0o555);
    if (process.getuid?.() === 0) {
      // Root writes through the mode bits: ask an unprivileged child.
      const child = nodeChild('open-directory.ts', [readOnly]);
      child.stdout.setEncoding('utf8');
      let out = '';
      child.stdout.on('data', (d: string) => (out += d));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await exitOf(child);
      expect(out).to.contain('(EACCES)');
      expect(out).to.contain('LockConfigurationError').and.to.contain('cannot write to the lock directory');
      return;
    }
    let thrown: unknown;
    try {
      new FileDriver(new LockDirectory(readOnly));
    } catch (err) {
      thrown = err;
    }
    expect(isLockConfigurationError(thrown)).to.equal(true);
    expect((thrown as Error).message).to.contain('cannot write to the lock directory');
  });

  it('fails with LockConfigurationError when the directory path is a file', function () {
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(() => new FileDriver(new LockDirectory(file))).to.throw(/cannot write to the lock directory/);
  });
});

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}
