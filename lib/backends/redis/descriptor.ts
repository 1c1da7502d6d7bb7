/**
 * The Redis backend (ioredis), wire-compatible with Python sherlock's `RedisLock`. This file
 * must not load ioredis: the driver module is loaded on first use.
 */
import { defineBackend } from '../../core/define-backend';
import { isRedisClient, type RedisClient } from './client';
import { redisKeyFor } from './keys';

type DriverModule = typeof import('./driver');

/**
 * The Redis backend: `backends.REDIS`. Its client is an ioredis `Redis` or `Cluster`, used as
 * is and never closed; without one, a default client connects to `SHERLOCK_REDIS_URL`, else
 * 127.0.0.1:6379, on first use (close it with `closeDefaultClients()`). Keys use Python
 * sherlock's format (`<namespace>_<name>`); names and namespaces may not contain `{` or `}`.
 */
export const redisBackend = defineBackend({
  name: 'redis',
  keyFor: redisKeyFor,
  isClient: (value: unknown): value is RedisClient => isRedisClient(value),
  clientDescription: 'an ioredis client (new Redis(...) or new Redis.Cluster(...))',
  clientPackage: 'ioredis',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => require('./driver') as DriverModule,
  createDriver: (m, client, owned) => new m.RedisDriver(client, { ownsClient: owned }),
  createDefaultClient: (m) => m.createDefaultClient(),
  closeDefaultClient: (_m, _client, driver) => driver.closeClient(),
});
