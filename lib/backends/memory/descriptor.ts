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
 *
 * @example
 * ```ts
 * import { Lock } from 'sherlock-rx';
 * import { MemoryStore, memoryBackend } from 'sherlock-rx/memory';
 *
 * // Production code takes a generic Lock; its test hands it an isolated in-memory one.
 * const lock = new Lock('invoice-42', { backend: memoryBackend, client: new MemoryStore() });
 * ```
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
