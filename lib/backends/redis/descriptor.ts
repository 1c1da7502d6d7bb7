/**
 * Placeholder until the redis driver lands (its own issue): the descriptor exists so that the
 * facade and backends registry compile; using it fails with a clear error.
 */
import type { BackendDescriptor } from '../driver';
import { LockConfigurationError } from '../../errors';
import { assertBaseName, sherlockKey } from '../key-format';

export const redisBackend: BackendDescriptor<unknown> = {
  name: 'redis',
  keyFor(name, namespace) {
    assertBaseName(name, namespace);
    return sherlockKey(name, namespace);
  },
  driverFor() {
    throw new LockConfigurationError('The redis backend is not implemented yet.');
  },
};
