/**
 * `sherlock-rx/file`: the file backend, locks shared by the processes of one host through a
 * directory, wire-compatible with Python sherlock's `FileLock`. The same `FileLock` as the root
 * entry exports, with the backend descriptor for `configure({ backend })`.
 *
 * @example
 * ```ts
 * import { configure } from 'sherlock-rx';
 * import { fileBackend, LockDirectory } from 'sherlock-rx/file';
 *
 * configure({ backend: fileBackend, client: new LockDirectory('/run/my-service/locks') });
 * ```
 *
 * @packageDocumentation
 */
export { FileLock, type BackendLockOptions } from '../facade/backend-locks';
export { fileBackend } from '../backends/file/descriptor';
export { LockDirectory } from '../backends/file/lock-directory';
