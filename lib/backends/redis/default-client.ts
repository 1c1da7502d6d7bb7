/**
 * The default client, for locks created without one: like Python sherlock's default
 * `redis.StrictRedis()`, a connection to the local server. Loads ioredis at runtime.
 */
import Redis from 'ioredis';

/** Where the default client connects unless `SHERLOCK_REDIS_URL` says otherwise. */
export const DEFAULT_REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** Environment variable naming the default client's server as a URL (`redis://host:port/db`), read when it is created. */
export const DEFAULT_REDIS_URL_VAR = 'SHERLOCK_REDIS_URL';

/**
 * A new default client: the server in `SHERLOCK_REDIS_URL` if set, else
 * {@link DEFAULT_REDIS}. It connects at once; while the
 * server is down, acquires fail fast (see `ConnectionGuard`).
 */
export function createDefaultClient(): Redis {
  // disconnectTimeout: after disconnect() of a socket that already dropped, ioredis keeps a
  // timer of this length (default 2 s), which would hold the process after closeDefaultClients().
  const url = process.env[DEFAULT_REDIS_URL_VAR];
  if (url) return new Redis(url, { disconnectTimeout: 100 });
  return new Redis({ ...DEFAULT_REDIS, disconnectTimeout: 100 });
}
