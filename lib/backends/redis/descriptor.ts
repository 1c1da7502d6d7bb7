/**
 * The Redis backend (ioredis), wire-compatible with Python sherlock's `RedisLock`. This file
 * must not load ioredis: the driver module is loaded on first use.
 */
import { defineBackend, type DefinedBackend } from '../../core/define-backend';
import type { LockDriver } from '../../core/driver';
import { isRedisClient, type IoRedisClient } from './client';
import type { RedisClient } from './client-shape';
import { redisKeyFor } from './keys';

type DriverModule = typeof import('./driver');

/**
 * The Redis backend: `backends.REDIS`. Its client is an ioredis `Redis` or `Cluster`, used as
 * is and never closed; without one, a default client connects to `SHERLOCK_REDIS_URL`, else
 * 127.0.0.1:6379, on first use (close it with `closeDefaultClients()`). Keys use Python
 * sherlock's format (`<namespace>_<name>`); names and namespaces may not contain `{` or `}`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { Lock } from 'sherlock-rx';
 * import { redisBackend } from 'sherlock-rx/redis';
 *
 * // The same descriptor as `backends.REDIS`, for code that imports only the Redis entry.
 * const lock = new Lock('invoice-42', { backend: redisBackend, client: new Redis(), expire: 30_000 });
 * ```
 */
export const redisBackend: DefinedBackend<RedisClient, LockDriver> = defineBackend({
  name: 'redis',
  keyFor: redisKeyFor,
  isClient: (value: unknown): value is RedisClient => isRedisClient(value),
  clientDescription: 'an ioredis client (new Redis(...) or new Redis.Cluster(...))',
  clientPackage: 'ioredis',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => require('./driver') as DriverModule,
  // The shape was checked by isClient; the driver works with ioredis's own types.
  createDriver: (m, client, owned) => new m.RedisDriver(client as unknown as IoRedisClient, { ownsClient: owned }),
  createDefaultClient: (m): RedisClient => m.createDefaultClient(),
  closeDefaultClient: (_m, _client, driver) => driver.closeClient(),
});
