/**
 * `sherlock-rx/memory`: the in-process backend, for tests, demos and single-process apps,
 * with the same semantics as the network backends. The same `MemoryLock` and `MemoryStore` as
 * the root entry exports, with the backend descriptor for `configure({ backend })`.
 *
 * @example
 * ```ts
 * import { configure } from 'sherlock-rx';
 * import { MemoryStore, memoryBackend } from 'sherlock-rx/memory';
 *
 * configure({ backend: memoryBackend, client: new MemoryStore() });
 * ```
 *
 * @packageDocumentation
 */
export { MemoryLock, type BackendLockOptions } from '../facade/backend-locks';
export { memoryBackend } from '../backends/memory/descriptor';
export { MemoryStore, type MemoryRemoval, type MemoryRemovalReason } from '../backends/memory/memory-store';
