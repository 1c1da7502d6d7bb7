/**
 * Placeholder until the etcd driver lands (its own issue): the descriptor exists so that the
 * facade and backends registry compile; using it fails with a clear error.
 */
import type { BackendDescriptor } from '../driver';
import { LockConfigurationError } from '../../errors';
import { assertBaseName, sherlockKey } from '../key-format';

export const etcdBackend: BackendDescriptor<unknown> = {
  name: 'etcd',
  keyFor(name, namespace) {
    assertBaseName(name, namespace);
    return sherlockKey(name, namespace);
  },
  driverFor() {
    throw new LockConfigurationError('The etcd backend is not implemented yet.');
  },
};
