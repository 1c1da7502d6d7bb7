/**
 * sherlock-rx: distributed locks with an RxJS core and Python sherlock's Promise API.
 * The root entry re-exports only; it loads no backend client library.
 */
export { Lock, type AcquireOptions } from './facade/lock';
export { RedisLock, MemcachedLock, MCLock, EtcdLock, MemoryLock, type BackendLockOptions } from './facade/backend-locks';
export { configure, resetConfiguration, type ConfigureOptions } from './facade/configuration';
export { backends, closeDefaultClients } from './facade/backend-registry';
export { withLock, type LockSource } from './core/with-lock';
export { defineBackend, type BackendDefinition, type DefinedBackend } from './core/define-backend';
export { acquireLock, type AcquireObservableOptions } from './core/acquire';
export type { LockContext } from './core/lock-context';
export type { LockHandle, LockHandleState } from './core/lock-handle';
export { MemoryStore, type MemoryRemoval, type MemoryRemovalReason } from './backends/memory/memory-store';
export type {
  AcquireAttempt,
  BackendDescriptor,
  LockDriver,
  LockTarget,
  ReleaseSignal,
} from './core/driver';
export { sherlockKey } from './backends/key-format';
export { assertBaseName, MAX_NAME_LENGTH } from './core/lock-name';
export { DEFAULTS, MAX_EXPIRE, MAX_WAIT, type LockOptions, type ResolvedLockOptions } from './options';
export { BACKEND_CALL_TIMEOUT_MS } from './core/call-deadline';
export * from './errors';
