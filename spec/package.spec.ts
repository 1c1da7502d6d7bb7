import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('package entry', function () {
  this.timeout(120_000);
  let outDir: string;
  before(async function () {
    // Inside the project, so the build resolves rxjs from node_modules as an installed package would.
    mkdirSync('.tmp', { recursive: true });
    outDir = mkdtempSync(join(process.cwd(), '.tmp', 'dist-'));
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir]);
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  const probe = async (code: string) => {
    const { stdout } = await run(process.execPath, ['-e', code], { env: { ...process.env, ENTRY: outDir } });
    return JSON.parse(stdout);
  };

  it('compiles to a CommonJS build whose root exports the whole public API', async function () {
    const names: string[] = await probe(`console.log(JSON.stringify(Object.keys(require(process.env.ENTRY))))`);
    for (const name of [
      'Lock', 'RedisLock', 'MemcachedLock', 'MCLock', 'EtcdLock', 'MemoryLock', 'configure', 'backends',
      'withLock', 'closeDefaultClients', 'LockError', 'LockTimeoutError', 'LockLostError', 'LockNotOwnedError',
      'LockConfigurationError', 'LockBackendError', 'MemoryStore',
    ]) {
      expect(names).to.include(name);
    }
  });

  it('loads no backend client library until a lock of that backend is used', async function () {
    const loaded: string[] = await probe(`
      const m = require(process.env.ENTRY);
      new m.RedisLock('a'); new m.MemcachedLock('b'); new m.EtcdLock('c');
      console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](ioredis|memjs|etcd3|node-zookeeper-client)[\\\\/]/.test(k))));
    `);
    expect(loaded).to.deep.equal([]);
  });
});
