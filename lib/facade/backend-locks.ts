import type { EtcdClient } from '../backends/etcd/client-shape';
import { LockDirectory, lockDirectoryAt } from '../backends/file/lock-directory';
import type { ZooKeeperClient } from '../backends/zookeeper/client-shape';
import type { MemcachedClient } from '../backends/memcached/client-shape';
import type { MemoryStore } from '../backends/memory/memory-store';
import type { RedisClient } from '../backends/redis/client-shape';
import type { LockOptions } from '../options';
import { backends } from './backend-registry';
import { Lock } from './lock';

/**
 * Options of a backend-specific lock: a client of that backend instead of `backend`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLock, type BackendLockOptions, type RedisClient } from 'sherlock-rx';
 *
 * // Typed by the backend's client: `{ client: 42 }` or a memjs client does not compile.
 * const options: BackendLockOptions<RedisClient> = { client: new Redis(), namespace: 'billing', expire: 30_000 };
 * const lock = new RedisLock('invoice-42', options);
 * ```
 */
export type BackendLockOptions<C> = Omit<LockOptions, 'backend' | 'client'> & {
  /** The backend client to use (never closed by the library); defaults to the backend's default client. */
  client?: C;
};

/**
 * A Redis lock (ioredis). Without a client it connects to `SHERLOCK_REDIS_URL`, else 127.0.0.1:6379; close that
 * default connection with `closeDefaultClients()`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLock } from 'sherlock-rx';
 *
 * const lock = new RedisLock('nightly-report', { client: new Redis(), namespace: 'billing', expire: 30_000 });
 * await using handle = await lock.hold({ timeout: 5_000 });
 * // The fencing token lets the store reject writes from a holder whose lock has passed on.
 * await saveReport(report, { fence: handle.fencingToken });
 * ```
 */
export class RedisLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<RedisClient>) {
    super(name, { ...options, backend: backends.REDIS });
  }
}

/**
 * A Memcached lock (memjs), wire-compatible with Python sherlock's `MCLock`. Without a client
 * it connects to the servers in `MEMCACHIER_SERVERS` / `MEMCACHE_SERVERS` (memjs's
 * convention), else localhost:11211.
 *
 * @example
 * ```ts
 * import memjs from 'memjs';
 * import { MemcachedLock } from 'sherlock-rx';
 *
 * const lock = new MemcachedLock('nightly-report', { client: memjs.Client.create('127.0.0.1:11211'), expire: 30_000 });
 * if (await lock.acquire(false)) {
 *   try { await buildReport(); } finally { await lock.release(); }
 * }
 * ```
 */
export class MemcachedLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<MemcachedClient>) {
    super(name, { ...options, backend: backends.MEMCACHED });
  }
}

/**
 * Python sherlock's name for {@link MemcachedLock}.
 *
 * @example
 * ```ts
 * import { MCLock } from 'sherlock-rx';
 *
 * // Ported from Python's `MCLock('nightly-report', expire=30)`: seconds there, milliseconds here.
 * const lock = new MCLock('nightly-report', { expire: 30_000 });
 * ```
 */
export const MCLock = MemcachedLock;
/**
 * Python sherlock's name for {@link MemcachedLock}.
 *
 * @example
 * ```ts
 * import { MCLock } from 'sherlock-rx';
 *
 * // The name is a type too, so ported code can keep annotating with it.
 * const locks = new Map<string, MCLock>();
 * locks.set('nightly-report', new MCLock('nightly-report', { expire: 30_000 }));
 * ```
 */
export type MCLock = MemcachedLock;

/**
 * An etcd v3 lock (etcd3), compatible with `etcdctl lock`. Without a client it connects to the hosts in `SHERLOCK_ETCD_HOSTS`, else 127.0.0.1:2379.
 *
 * @example
 * ```ts
 * import { Etcd3 } from 'etcd3';
 * import { EtcdLock } from 'sherlock-rx';
 *
 * // Same lock as `etcdctl lock leader` and Go's concurrency.Mutex on the prefix `leader`.
 * const lock = new EtcdLock('leader', { client: new Etcd3({ hosts: 'http://127.0.0.1:2379' }), autoRenew: true });
 * await using handle = await lock.hold({ timeout: 10_000 });
 * ```
 */
export class EtcdLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<EtcdClient>) {
    super(name, { ...options, backend: backends.ETCD });
  }
}

/**
 * A ZooKeeper lock (node-zookeeper-client), compatible with kazoo's `Lock` recipe: a fair FIFO
 * queue of ephemeral sequential nodes, held as long as the client's session lives. Without a
 * client it connects to `SHERLOCK_ZOOKEEPER_HOSTS`, else 127.0.0.1:2181.
 *
 * @example
 * ```ts
 * import { createClient } from 'node-zookeeper-client';
 * import { ZooKeeperLock } from 'sherlock-rx';
 *
 * const client = createClient('127.0.0.1:2181');
 * client.connect();
 * // Same lock as kazoo's client.Lock('/billing/leader') in a Python service.
 * const lock = new ZooKeeperLock('leader', { client, namespace: 'billing', autoRenew: true });
 * await using handle = await lock.hold({ timeout: 10_000 });
 * ```
 */
export class ZooKeeperLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<ZooKeeperClient>) {
    super(name, { ...options, backend: backends.ZOOKEEPER });
  }
}

/**
 * A lock in this process's memory ({@link MemoryStore}): for tests, demos and single-process apps.
 *
 * @example
 * ```ts
 * import { MemoryLock, MemoryStore } from 'sherlock-rx';
 *
 * // A store per test, so that one test's locks never see another's.
 * const store = new MemoryStore();
 * const lock = new MemoryLock('job-1', { client: store, expire: 1_000 });
 * expect(await lock.acquire(false)).to.equal(true);
 * ```
 */
export class MemoryLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<MemoryStore>) {
    super(name, { ...options, backend: backends.MEMORY });
  }
}

/**
 * A lock held through files in a directory, shared by every process of this host that uses
 * the same directory, and wire-compatible with Python sherlock's `FileLock`. The client is a
 * {@link LockDirectory} or a directory path; without one, `<os.tmpdir()>/sherlock`.
 *
 * @example
 * ```ts
 * import { FileLock } from 'sherlock-rx';
 *
 * // Cron scripts and the service on one machine, no server: the same directory is the lock.
 * const lock = new FileLock('nightly-report', { client: '/run/my-service/locks', expire: 60_000 });
 * if (await lock.acquire(false)) {
 *   try { await buildReport(); } finally { await lock.release(); }
 * }
 * ```
 */
export class FileLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<LockDirectory | string>) {
    const client = typeof options?.client === 'string' ? lockDirectoryAt(options.client) : options?.client;
    super(name, { ...options, client, backend: backends.FILE });
  }
}
