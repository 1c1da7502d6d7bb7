// A TypeScript project (strict, skipLibCheck false, module nodenext, ESM) that installed
// sherlock-rx, rxjs and etcd3 only: the published declarations must compile without ioredis,
// memjs or @types/memjs.
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { EtcdLock, Lock, MemoryLock, RedisLock, isLockTimeoutError, type LockHandle, type LockOptions } from 'sherlock-rx';
import { etcdBackend, type EtcdClient } from 'sherlock-rx/etcd';
import type { LockDriver } from 'sherlock-rx/backend';
// @ts-expect-error internals are not part of the package's exports
import type { acquireLock } from 'sherlock-rx/dist/core/acquire.js';

const ok = (what: string): void => console.log(`OK ${what}`);

/** Compiled, never run: what the types must refuse. */
export function typeChecks(driver: LockDriver): unknown[] {
  return [
    // @ts-expect-error a number is not a Redis client
    new RedisLock('x', { client: 42 }),
    // @ts-expect-error an etcd3 client is not a Redis client
    new RedisLock('x', { client: new Etcd3() }),
    // @ts-expect-error expire is milliseconds, a number
    new EtcdLock('x', { expire: '30s' }),
    // @ts-expect-error a backend lock takes no other backend
    new EtcdLock('x', { backend: etcdBackend }),
    driver,
    null as unknown as typeof acquireLock,
  ];
}

const options = { expire: 5_000, timeout: 2_000 } satisfies LockOptions;

{
  await using held: LockHandle = await new MemoryLock('ts-job', options).hold();
  assert.equal(held.state, 'held');
  assert.equal(await new MemoryLock('ts-job').acquire(false), false);
}
assert.equal(await new MemoryLock('ts-job').locked(), false, 'await using did not release');
ok('memory lock with await using');

const client: EtcdClient = new Etcd3({ hosts: process.env.ETCD_URL! });
try {
  {
    await using held = await new EtcdLock('ts-job', { ...options, client }).hold();
    assert.equal(held.state, 'held');
    assert.notEqual(held.fencingToken, undefined);
    try {
      await new Lock('ts-job', { backend: etcdBackend, client, timeout: 200 }).hold();
      assert.fail('a second holder got the lock');
    } catch (err) {
      assert.ok(isLockTimeoutError(err), String(err));
    }
  }
  assert.equal(await new EtcdLock('ts-job', { client }).locked(), false, 'await using did not release');
  ok('etcd lock with await using');
} finally {
  (client as Etcd3).close();
}
