/**
 * sherlock-rx: distributed locks with an RxJS core and Python sherlock's Promise API.
 *
 * The root entry is the public API and nothing else: the locks, `configure()`, the backend
 * registry, the `withLock` operator, the handle and option types, and the errors. It loads no
 * backend client library, and its declarations name none, so a project compiles with only the
 * client it uses installed. Each backend also has its own entry (`sherlock-rx/redis`,
 * `sherlock-rx/memcached`, `sherlock-rx/etcd`, `sherlock-rx/zookeeper`, `sherlock-rx/memory`, `sherlock-rx/file`); the contract for writing
 * a backend is in `sherlock-rx/backend`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLock } from 'sherlock-rx';
 *
 * const lock = new RedisLock('monthly-report', { client: new Redis(), expire: 60_000 });
 * if (await lock.acquire()) {
 *   try {
 *     // ... the work ...
 *   } finally {
 *     await lock.release();
 *   }
 * }
 * ```
 *
 * @packageDocumentation
 */
export { Lock, type AcquireOptions } from './facade/lock';
export type { AcquireObservableOptions } from './core/acquire';
export { RedisLock, MemcachedLock, MCLock, EtcdLock, ZooKeeperLock, MemoryLock, FileLock, type BackendLockOptions } from './facade/backend-locks';
export { configure, type ConfigureOptions } from './facade/configuration';
export { backends, closeDefaultClients } from './facade/backend-registry';
export { withLock, type LockedWork, type LockSource } from './core/with-lock';
export type { LockHandle, LockHandleState } from './core/lock-handle';
export {
  lockEvents$,
  WAITING_EVENT_INTERVAL,
  type LockEvent,
  type LockEventBase,
  type LockAcquiringEvent,
  type LockWaitingEvent,
  type LockAcquiredEvent,
  type LockRenewedEvent,
  type LockRenewFailedEvent,
  type LockLostEvent,
  type LockReleasedEvent,
  type LockTimedOutEvent,
  type LockBackendErrorEvent,
} from './core/events';
export type { BackendDescriptor } from './core/driver';
export { MemoryStore, type MemoryRemoval, type MemoryRemovalReason } from './backends/memory/memory-store';
export type { RedisClient } from './backends/redis/client-shape';
export type { MemcachedClient } from './backends/memcached/client-shape';
export type { EtcdClient } from './backends/etcd/client-shape';
export { LockDirectory } from './backends/file/lock-directory';
export type { ZooKeeperClient } from './backends/zookeeper/client-shape';
export type { ClientMethod } from './backends/client-method';
export { MAX_EXPIRE, MAX_WAIT, type LockOptions } from './options';
export {
  LockError,
  LockErrorCode,
  LockTimeoutError,
  LockLostError,
  LockNotOwnedError,
  LockConfigurationError,
  LockBackendError,
  isLockError,
  isLockTimeoutError,
  isLockLostError,
  isLockNotOwnedError,
  isLockConfigurationError,
  isLockBackendError,
} from './errors';
