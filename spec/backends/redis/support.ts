/**
 * Helpers shared by the Redis specs: the test server, raw clients, targets, and Python
 * sherlock's own scripts (to play a Python holder on the same server).
 */
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { backends } from '../../../lib';
import type { IoRedisClient as RedisClient } from '../../../lib/backends/redis/client';
import type { ConformanceFixture } from '../../conformance/fixture';
import { redisBackend } from '../../../lib/backends/redis/descriptor';
import { redisAvailable, startRedis, type RedisServer } from '../../support/servers/redis';
import { otherOwner, runPrefix, targetsFor } from '../../support/targets';
import { IOREDIS_6, type IoredisVersion } from './ioredis-versions';

/**
 * Starts a Redis for the enclosing describe() (skipping it loudly when the binary is missing)
 * and returns an accessor. Clients made with {@link RedisHarness.client} are closed after.
 * `ioredis` is the major whose clients {@link RedisHarness.client} makes (default 6).
 */
export function useRedis(ioredis: IoredisVersion = IOREDIS_6): RedisHarness {
  const harness = new RedisHarness(ioredis);
  before(async function () {
    if (!redisAvailable()) this.skip();
    harness.server = await startRedis();
  });
  after(async function () {
    await harness.closeClients();
    await harness.server?.close();
  });
  return harness;
}

/** The server of one describe() and the clients the tests opened on it. */
export class RedisHarness {
  server: RedisServer | undefined;
  private readonly clients: Redis[] = [];

  constructor(readonly ioredis: IoredisVersion = IOREDIS_6) {}

  get url(): string {
    if (!this.server) throw new Error('the Redis server is not started');
    return this.server.url;
  }

  /** A new client of our own (a "user-supplied" client: the library never closes it). */
  client(options: Record<string, unknown> = {}): Redis {
    const c = new this.ioredis.Redis(this.url, { lazyConnect: false, disconnectTimeout: 100, ...options });
    c.on('error', () => undefined); // the fault tests kill the server on purpose
    this.clients.push(c);
    return c;
  }

  async closeClients(): Promise<void> {
    for (const c of this.clients.splice(0)) c.disconnect();
  }
}

/** A fresh lock target (new name, new token) under `namespace`. */
export const newTarget = targetsFor(redisBackend);

export { otherOwner, runPrefix };

/**
 * Python sherlock 0.4's RedisLock scripts, verbatim in behaviour: token and expiry travel as
 * KEYS; acquire is SETNX + EXPIRE in whole seconds; release compares and deletes; `locked()`
 * is EXISTS. Publishes nothing.
 */
export const pythonSherlock = {
  acquireScript: `local result = redis.call('SETNX', KEYS[1], KEYS[2])
if result == 1 then
    redis.call('EXPIRE', KEYS[1], KEYS[3])
end
return result`,
  releaseScript: `local result = 0
if redis.call('GET', KEYS[1]) == KEYS[2] then
    redis.call('DEL', KEYS[1])
    result = 1
end
return result`,

  /** A Python holder's owner value: `str(uuid4())`. */
  owner: (): string => randomUUID(),

  async acquire(client: Redis, key: string, owner: string, expireSeconds: number): Promise<boolean> {
    return (await client.eval(this.acquireScript, 3, key, owner, String(expireSeconds))) === 1;
  },
  async release(client: Redis, key: string, owner: string): Promise<boolean> {
    return (await client.eval(this.releaseScript, 2, key, owner)) === 1;
  },
  async locked(client: Redis, key: string): Promise<boolean> {
    return (await client.exists(key)) === 1;
  },
};

/** The conformance fixture of a Redis or Cluster `client`; `raw` plays the operator who deletes keys. */
export function redisFixture(client: RedisClient, raw: RedisClient): ConformanceFixture {
  return {
    backend: backends.REDIS,
    client,
    forceDelete: async (key) => {
      await raw.del(key);
    },
    fencing: true,
    releaseNotification: true,
    serverExpirySlack: 0,
    prefix: `${runPrefix()}-`,
  };
}
