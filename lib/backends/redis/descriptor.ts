/**
 * The Redis backend (ioredis), wire-compatible with Python sherlock's `RedisLock`. This file
 * must not load ioredis: the driver is required on first use.
 */
import type { BackendDescriptor } from '../../core/driver';
import { perClient } from '../per-client';
import { isLockError, LockConfigurationError } from '../../errors';
import { isRedisClient, type RedisClient } from './client';
import { redisKeyFor } from './keys';

type DriverModule = typeof import('./driver');
type DefaultClientModule = typeof import('./default-client');

const driverOf = perClient((client: RedisClient) => newDriver(client, false));
let defaultDriver: import('./driver').RedisDriver | undefined;

function newDriver(client: RedisClient, ownsClient: boolean): import('./driver').RedisDriver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RedisDriver } = require('./driver') as DriverModule;
  try {
    return new RedisDriver(client, { ownsClient });
  } catch (err) {
    if (isLockError(err)) throw err;
    // The client passed the duck-typed check but failed to set up (e.g. defineCommand threw).
    const detail = err instanceof Error ? err.message : String(err);
    throw new LockConfigurationError(`The redis backend could not use the client given (is it an ioredis client?): ${detail}`, {
      cause: err,
    });
  }
}

/** A new default client; a missing ioredis is a configuration error, not a crash. */
function defaultClient(): RedisClient {
  let mod: DefaultClientModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('./default-client') as DefaultClientModule;
  } catch (err) {
    throw new LockConfigurationError('The redis backend needs the ioredis package (npm install ioredis).', { cause: err });
  }
  return mod.createDefaultClient();
}

/**
 * The Redis backend: `backends.REDIS`. Its client is an ioredis `Redis` or `Cluster`, used as
 * is and never closed; without one, a default client connects to `SHERLOCK_REDIS_URL`, else 127.0.0.1:6379, on first use
 * (close it with `closeDefaultClients()`). Keys use Python sherlock's format
 * (`<namespace>_<name>`); names and namespaces may not contain `{` or `}`.
 */
export const redisBackend: BackendDescriptor<RedisClient> = {
  name: 'redis',

  keyFor(name, namespace) {
    return redisKeyFor(name, namespace);
  },

  driverFor(client) {
    if (client === undefined || client === null) {
      if (!defaultDriver) {
        defaultDriver = newDriver(defaultClient(), true);
      }
      return defaultDriver;
    }
    if (!isRedisClient(client)) {
      throw new LockConfigurationError(
        'The redis backend needs an ioredis client (new Redis(...) or new Redis.Cluster(...)) as `client`.',
      );
    }
    return driverOf(client);
  },

  isClient(client) {
    return isRedisClient(client);
  },

  async closeDefaultClients() {
    const driver = defaultDriver;
    defaultDriver = undefined;
    await driver?.closeClient();
  },
};
