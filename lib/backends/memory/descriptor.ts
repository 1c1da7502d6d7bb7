import { defineBackend, type DefinedBackend } from '../../core/define-backend';
import type { LockDriver } from '../../core/driver';
import { sherlockKey } from '../key-format';
import { MemoryDriver } from './memory-driver';
import { MemoryStore } from './memory-store';

/**
 * The in-memory backend: single-process, with the same semantics as the network backends
 * (TTL, owner check, renewal, fencing tokens, release and loss notification). Its client is a
 * {@link MemoryStore}; locks without one share a default store. Keys use sherlock's format.
 * It is the template for a new backend (see "Adding a backend" in the README).
 */
export const memoryBackend: DefinedBackend<MemoryStore, LockDriver> = defineBackend({
  name: 'memory',
  keyFor: sherlockKey,
  isClient: (value: unknown): value is MemoryStore => value instanceof MemoryStore,
  clientDescription: 'a MemoryStore (new MemoryStore())',
  // Nothing to load lazily: the memory backend has no client library.
  load: () => undefined,
  createDriver: (_m, store) => new MemoryDriver(store),
  createDefaultClient: () => new MemoryStore(),
});
