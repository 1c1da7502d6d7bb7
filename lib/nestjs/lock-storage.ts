import { AsyncLocalStorage } from 'node:async_hooks';
import type { LockHandle } from '../core/lock-handle';

/**
 * The handle held by the `@WithLock` method running in the current async context. One store
 * for the process: the handle belongs to the call chain, not to an application, so two Nest
 * applications in one process never see each other's handles.
 */
export const lockStorage = new AsyncLocalStorage<LockHandle>();
