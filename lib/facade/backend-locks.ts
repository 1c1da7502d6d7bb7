import type { EtcdClient } from '../backends/etcd/client-shape';
import type { MemcachedClient } from '../backends/memcached/client-shape';
import type { MemoryStore } from '../backends/memory/memory-store';
import type { RedisClient } from '../backends/redis/client-shape';
import type { LockOptions } from '../options';
import { backends } from './backend-registry';
import { Lock } from './lock';

/** Options of a backend-specific lock: a client of that backend instead of `backend`. */
export type BackendLockOptions<C> = Omit<LockOptions, 'backend' | 'client'> & {
  /** The backend client to use (never closed by the library); defaults to the backend's default client. */
  client?: C;
};

/**
 * A Redis lock (ioredis). Without a client it connects to `SHERLOCK_REDIS_URL`, else 127.0.0.1:6379; close that
 * default connection with `closeDefaultClients()`.
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
 */
export class MemcachedLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<MemcachedClient>) {
    super(name, { ...options, backend: backends.MEMCACHED });
  }
}

/** Python sherlock's name for {@link MemcachedLock}. */
export const MCLock = MemcachedLock;
/** Python sherlock's name for {@link MemcachedLock}. */
export type MCLock = MemcachedLock;

/** An etcd v3 lock (etcd3), compatible with `etcdctl lock`. Without a client it connects to the hosts in `SHERLOCK_ETCD_HOSTS`, else 127.0.0.1:2379. */
export class EtcdLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<EtcdClient>) {
    super(name, { ...options, backend: backends.ETCD });
  }
}

/** A lock in this process's memory ({@link MemoryStore}): for tests, demos and single-process apps. */
export class MemoryLock extends Lock {
  constructor(name: string, options?: BackendLockOptions<MemoryStore>) {
    super(name, { ...options, backend: backends.MEMORY });
  }
}
