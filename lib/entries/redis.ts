/**
 * `sherlock-rx/redis`: the Redis backend (ioredis 5 or 6), wire-compatible with Python
 * sherlock's `RedisLock`. The same `RedisLock` as the root entry exports, with the backend
 * descriptor for `configure({ backend })`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { configure } from 'sherlock-rx';
 * import { redisBackend } from 'sherlock-rx/redis';
 *
 * configure({ backend: redisBackend, client: new Redis(), namespace: 'billing' });
 * ```
 *
 * @packageDocumentation
 */
export { RedisLock, type BackendLockOptions } from '../facade/backend-locks';
export { redisBackend } from '../backends/redis/descriptor';
export type { RedisClient } from '../backends/redis/client-shape';
