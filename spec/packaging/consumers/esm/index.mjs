// An ES module project that installed sherlock-rx, rxjs and memjs only.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import memjs from 'memjs';
import { EtcdLock, Lock, MemcachedLock, closeDefaultClients } from 'sherlock-rx';
import { memcachedBackend } from 'sherlock-rx/memcached';
import { MemoryStore, memoryBackend } from 'sherlock-rx/memory';

const ok = (what) => console.log(`OK ${what}`);

const require = createRequire(import.meta.url);
assert.equal(require('sherlock-rx').Lock, Lock, 'import and require give two copies of the library');
assert.equal(require('sherlock-rx/memcached').memcachedBackend, memcachedBackend);
ok('one copy for import and require');

const store = new MemoryStore();
const handle = await new Lock('esm-job', { backend: memoryBackend, client: store }).hold();
assert.equal(handle.state, 'held');
assert.equal(await new Lock('esm-job', { backend: memoryBackend, client: store }).acquire(false), false);
await handle.release();
assert.equal(handle.state, 'released');
ok('memory lock');

const client = memjs.Client.create(process.env.MEMCACHED_URL, { logger: { log() {} } });
try {
  const first = await new MemcachedLock('esm-job', { client, expire: 5_000 }).hold();
  const other = new MemcachedLock('esm-job', { client });
  assert.equal(await other.acquire(false), false);
  await first.release();
  assert.equal(await other.acquire(false), true);
  assert.ok(other.fencingToken > first.fencingToken, 'fencing tokens must increase');
  await other.release();
  ok('memcached lock');
} finally {
  client.close();
}

await assert.rejects(() => new EtcdLock('esm-job').acquire(false), (err) => {
  assert.equal(err.code, 'ELOCKCONFIG');
  assert.match(err.message, /npm install etcd3/);
  return true;
});
ok('missing etcd3 is a LockConfigurationError');

await assert.rejects(() => import('sherlock-rx/dist/index.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
ok('exports map hides internals');

await closeDefaultClients();
