import type { BackendDescriptor } from '../../core/driver';
import { perClient } from '../per-client';
import { assertBaseName } from '../../core/lock-name';
import { sherlockKey } from '../key-format';
import { MemoryDriver } from './memory-driver';
import { MemoryStore } from './memory-store';

const driverOf = perClient((store: MemoryStore) => new MemoryDriver(store));
let defaultStore: MemoryStore | undefined;

/**
 * The in-memory backend: single-process, with the same semantics as the network backends
 * (TTL, owner check, renewal, fencing tokens, release notification). Its client is a
 * {@link MemoryStore}; locks without one share a default store. Keys use sherlock's format.
 */
export const memoryBackend: BackendDescriptor<MemoryStore> = {
  name: 'memory',
  keyFor(name, namespace) {
    assertBaseName(name, namespace);
    return sherlockKey(name, namespace);
  },
  driverFor(client) {
    const store = client ?? (defaultStore ??= new MemoryStore());
    return driverOf(store);
  },
  isClient(client) {
    return client instanceof MemoryStore;
  },
  async closeDefaultClients() {
    defaultStore = undefined;
  },
};
