/**
 * `sherlock-rx/backend`: the contract for writing a backend. A backend is a small driver of
 * atomic primitives ({@link LockDriver}) plus the chores {@link defineBackend} does for it
 * (lazy loading of the client library, client checks, one driver per client, a default
 * client). Register the result with `backends.register()` from the root entry; the memory
 * backend's source is the template (see "Adding a backend" in the README).
 *
 * @example
 * ```ts
 * import { backends, configure } from 'sherlock-rx';
 * import { defineBackend, sherlockKey } from 'sherlock-rx/backend';
 *
 * const mine = defineBackend({
 *   name: 'mine',
 *   keyFor: sherlockKey,
 *   isClient: (value: unknown): value is MyClient => value instanceof MyClient,
 *   clientDescription: 'a MyClient (new MyClient())',
 *   load: () => undefined,
 *   createDriver: (_module, client) => new MyDriver(client),
 * });
 * configure({ backend: backends.register(mine) });
 * ```
 *
 * @packageDocumentation
 */
export { defineBackend, type BackendDefinition, type DefinedBackend } from '../core/define-backend';
export type { AcquireAttempt, BackendDescriptor, LockDriver, LockTarget, ReleaseSignal } from '../core/driver';
export { sherlockKey } from '../backends/key-format';
export { assertBaseName, MAX_NAME_LENGTH } from '../core/lock-name';
export { BACKEND_CALL_TIMEOUT_MS } from '../core/call-deadline';
