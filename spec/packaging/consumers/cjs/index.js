// A CommonJS project that installed sherlock-rx, rxjs and ioredis only.
const assert = require('node:assert/strict');
const { Lock, MemoryLock, RedisLock, MemcachedLock, closeDefaultClients } = require('sherlock-rx');
const { redisBackend } = require('sherlock-rx/redis');
const { Redis } = require('ioredis');

const ok = (what) => console.log(`OK ${what}`);

async function main() {
  const m = new MemoryLock('cjs-job');
  assert.equal(await m.acquire(), true);
  assert.equal(await m.locked(), true);
  await m.release();
  assert.equal(await m.locked(), false);
  ok('memory lock');

  // The plain-JavaScript scoped form: released when the work settles, the work's value returned.
  const value = await new MemoryLock('cjs-job').run(async (handle) => {
    assert.equal(handle.state, 'held');
    assert.equal(await new MemoryLock('cjs-job').acquire(false), false);
    return 42;
  });
  assert.equal(value, 42);
  assert.equal(await new MemoryLock('cjs-job').locked(), false);
  ok('run() releases after the work');

  const client = new Redis(process.env.REDIS_URL);
  try {
    const a = new RedisLock('cjs-job', { client, expire: 5_000 });
    const b = new Lock('cjs-job', { backend: redisBackend, client });
    assert.equal(await a.acquire(), true);
    assert.equal(await b.acquire(false), false);
    await a.release();
    assert.equal(await b.acquire(false), true);
    assert.equal(typeof b.fencingToken, 'number');
    await b.release();
    ok('redis lock');
  } finally {
    client.disconnect();
  }

  await assert.rejects(() => new MemcachedLock('cjs-job').acquire(false), (err) => {
    assert.equal(err.code, 'ELOCKCONFIG');
    assert.match(err.message, /npm install memjs/);
    return true;
  });
  ok('missing memjs is a LockConfigurationError');

  assert.throws(() => require('sherlock-rx/dist/core/acquire'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  const root = require('sherlock-rx');
  for (const internal of ['toBackendError', 'acquireLock', 'resetConfiguration', 'assertBaseName', 'DEFAULTS']) {
    assert.equal(internal in root, false, `${internal} is exported from the root`);
  }
  assert.equal(typeof require('sherlock-rx/backend').defineBackend, 'function');
  ok('exports map hides internals');

  await closeDefaultClients();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
