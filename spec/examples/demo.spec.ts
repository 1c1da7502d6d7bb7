/**
 * `npm run demo -- --backend X` against the harness's own servers, named to the demo by the
 * same variables the tests read (REDIS_URL, MEMCACHED_URL, ETCD_URL). Each run must exit on
 * its own with status 0 and a clean summary, and must have used the server it was pointed at:
 * the harness servers listen on free ports, and a demo that ignored its variable would try the
 * default port instead (or find a system service there), so each test also finds the demo's
 * trace on the harness server.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import * as memjs from 'memjs';
import { etcdAvailable, startEtcd } from '../support/servers/etcd';
import { memcachedAvailable, startMemcached } from '../support/servers/memcached';
import { redisAvailable, startRedis } from '../support/servers/redis';

interface DemoRun {
  /** The demo's pid: its lock is named `demo-<pid>`. */
  pid: number;
  stdout: string;
}

/**
 * Runs the demo (3 workers x 2 rounds) with `env` added. The kill timeout only stops a demo
 * that never exits, so the test fails instead of hanging; it measures nothing.
 */
function runDemo(backend: string, env: Record<string, string>, args = ['--workers', '3', '--rounds', '2'], killAfterMs = 25_000): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-r', 'ts-node/register', 'examples/demo.ts', '--backend', backend, ...args],
      { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', ...env }, timeout: killAfterMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`the demo on ${backend} failed (${err.message}):\n${stdout}\n${stderr}`));
        else resolve({ pid: child.pid!, stdout });
      },
    );
  });
}

const SUMMARY = /Summary: 6 grants in \d+ ms, overlapping holders: 0, fencing tokens strictly increasing: true/;

/** The fencing tokens the demo printed, in grant order. */
function fences(stdout: string): number[] {
  return [...stdout.matchAll(/fencing token (\d+)/g)].map((m) => Number(m[1]));
}

describe('npm run demo against real servers @integration', function () {
  this.timeout(30_000);

  it('redis: reads REDIS_URL, exits 0 with no overlap and increasing fencing tokens', async function () {
    if (!redisAvailable()) this.skip();
    const server = await startRedis();
    const raw = new Redis(server.url, { lazyConnect: true });
    try {
      const run = await runDemo('redis', { REDIS_URL: server.url });
      expect(run.stdout).to.match(SUMMARY);
      // The fencing counter outlives the lock: it is on this server only if the demo used it.
      expect(Number(await raw.get(`{demo-${run.pid}}:fence`))).to.equal(Math.max(...fences(run.stdout)));
    } finally {
      raw.disconnect();
      await server.close();
    }
  });

  it('memcached: reads MEMCACHED_URL, exits 0 with no overlap and increasing fencing tokens', async function () {
    if (!memcachedAvailable()) this.skip();
    const server = await startMemcached();
    const raw = memjs.Client.create(server.address);
    try {
      const run = await runDemo('memcached', { MEMCACHED_URL: server.address });
      expect(run.stdout).to.match(SUMMARY);
      const counter = await raw.get(`demo-${run.pid}#fence`);
      expect(Number(counter.value?.toString())).to.equal(Math.max(...fences(run.stdout)));
    } finally {
      raw.close();
      await server.close();
    }
  });

  it('etcd: reads ETCD_URL, exits 0 with no overlap and increasing fencing tokens', async function () {
    if (!etcdAvailable()) this.skip();
    const server = await startEtcd();
    const raw = new Etcd3({ hosts: server.url });
    try {
      const revision = async () => Number((await raw.kv.range({ key: Buffer.from('sherlock-rx-probe') })).header.revision);
      const before = await revision();
      const run = await runDemo('etcd', { ETCD_URL: server.url });
      const after = await revision();
      expect(run.stdout).to.match(SUMMARY);
      // etcd fencing tokens are create revisions of this server: all between the two reads.
      for (const fence of fences(run.stdout)) expect(fence).to.be.within(before + 1, after);
    } finally {
      raw.close();
      await server.stop();
    }
  });

  it('file: runs workers in several processes on SHERLOCK_FILE_DIR, with no overlap and increasing fencing tokens', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'srx-demo-'));
    try {
      const run = await runDemo('file', { SHERLOCK_FILE_DIR: dir }, ['--processes', '3', '--workers', '2', '--rounds', '2'], 110_000);
      expect(run.stdout).to.match(/All processes: 12 grants, overlapping holders: 0, fencing tokens strictly increasing: true/);
      // The counter is in the directory only if the demo used it.
      expect(Number(readFileSync(join(dir, `demo-${run.pid}.fence`), 'utf8'))).to.equal(Math.max(...fences(run.stdout)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
