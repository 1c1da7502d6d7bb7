/**
 * Placeholder until the memcached driver lands (its own issue): the descriptor exists so that the
 * facade and backends registry compile; using it fails with a clear error.
 */
import type { BackendDescriptor } from '../driver';
import { LockConfigurationError } from '../../errors';
import { assertBaseName, sherlockKey } from '../key-format';

export const memcachedBackend: BackendDescriptor<unknown> = {
  name: 'memcached',
  keyFor(name, namespace) {
    assertBaseName(name, namespace);
    return sherlockKey(name, namespace);
  },
  driverFor() {
    throw new LockConfigurationError('The memcached backend is not implemented yet.');
  },
};
