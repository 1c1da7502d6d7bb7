/**
 * The default client, for locks created without one: like Python sherlock's default
 * `redis.StrictRedis()`, a connection to the local server. Loads ioredis at runtime.
 */
import Redis from 'ioredis';

/** Where the default client connects unless {@link setDefaultRedisAddress} says otherwise. */
export const DEFAULT_REDIS = { host: '127.0.0.1', port: 6379 } as const;

let address: { host: string; port: number } = DEFAULT_REDIS;

/**
 * Points the default client at another server (e.g. a test server), or back at
 * {@link DEFAULT_REDIS} with `undefined`. Applies to the next default client: call it before
 * the first lock without a client, or after `closeDefaultClients()`.
 */
export function setDefaultRedisAddress(next: { host: string; port: number } | undefined): void {
  address = next ? { host: next.host, port: next.port } : DEFAULT_REDIS;
}

/**
 * A new default client. It connects at once; while the server is down, acquires fail fast
 * (see `ConnectionGuard`) and releases wait in ioredis's offline queue.
 */
export function createDefaultClient(): Redis {
  // disconnectTimeout: after disconnect() of a socket that already dropped, ioredis keeps a
  // timer of this length (default 2 s), which would hold the process after closeDefaultClients().
  return new Redis({ ...address, disconnectTimeout: 100 });
}
