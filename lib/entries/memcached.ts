/**
 * `sherlock-rx/memcached`: the memcached backend (memjs 1.3), wire-compatible with Python
 * sherlock's `MCLock`. The same `MemcachedLock` / `MCLock` as the root entry exports, with the
 * backend descriptor for `configure({ backend })`.
 *
 * @example
 * ```ts
 * import memjs from 'memjs';
 * import { configure } from 'sherlock-rx';
 * import { memcachedBackend } from 'sherlock-rx/memcached';
 *
 * configure({ backend: memcachedBackend, client: memjs.Client.create('127.0.0.1:11211') });
 * ```
 *
 * @packageDocumentation
 */
export { MemcachedLock, MCLock, type BackendLockOptions } from '../facade/backend-locks';
export { memcachedBackend } from '../backends/memcached/descriptor';
export type { MemcachedClient } from '../backends/memcached/client-shape';
