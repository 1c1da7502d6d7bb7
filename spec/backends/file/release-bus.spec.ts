/**
 * The file backend's `releaseScope` is the directory's real path: two `LockDirectory`s that
 * reach one directory (one through a symlink) share this process's release bus and waiter
 * queue; two directories keep apart.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { FileLock } from '../../../lib';
import { fileBackend } from '../../../lib/backends/file/descriptor';
import type { FileDriver } from '../../../lib/backends/file/driver';
import { LockDirectory } from '../../../lib/backends/file/lock-directory';
import { localQueueOf } from '../../../lib/core/release-bus';
import { eventually } from '../../support/async';
import { removeDirectories, scratchDirectory } from './support';

describe('file backend: release bus across LockDirectory objects', function () {
  this.timeout(30_000);
  const drivers: FileDriver[] = [];
  const driverOf = (directory: LockDirectory): FileDriver => {
    const driver = fileBackend.driverFor(directory) as FileDriver;
    drivers.push(driver);
    return driver;
  };

  afterEach(function () {
    for (const d of drivers.splice(0)) d.close();
    removeDirectories();
  });

  it('gives a directory and a symlink to it one scope, and another directory another', () => {
    const dir = scratchDirectory();
    const link = join(scratchDirectory(), 'link');
    symlinkSync(dir, link);
    const direct = driverOf(new LockDirectory(dir));
    expect(driverOf(new LockDirectory(link)).releaseScope).to.equal(direct.releaseScope);
    expect(driverOf(new LockDirectory(scratchDirectory())).releaseScope).to.not.equal(direct.releaseScope);
  });

  it('queues a waiter through the symlink in the same local queue as one through the directory', async () => {
    const dir = scratchDirectory();
    const link = join(scratchDirectory(), 'link');
    symlinkSync(dir, link);
    const direct = new LockDirectory(dir);
    const linked = new LockDirectory(link);
    const options = { expire: 30_000, retryInterval: 600_000, timeout: 20_000 };
    const holder = await new FileLock('shared', { client: direct, ...options }).hold();
    const waiter = new FileLock('shared', { client: linked, ...options });
    const granted = waiter.hold();
    await eventually(() => expect(localQueueOf(driverOf(linked), waiter.key)?.isEmpty).to.equal(false), 10_000);
    const seenThroughDirectory = localQueueOf(driverOf(direct), waiter.key);
    const waitedIn = localQueueOf(driverOf(linked), waiter.key);
    await holder.release();
    await (await granted).release();
    expect(seenThroughDirectory).to.equal(waitedIn);
  });
});
