/**
 * The file backend (`backends.FILE`): locks shared by the processes of one host through a
 * directory, wire-compatible with Python sherlock 0.4's `FileLock`. Nothing here touches the
 * disk: the driver module is loaded, and the directory checked, on first use.
 */
import { defineBackend, type DefinedBackend } from '../../core/define-backend';
import type { LockDriver } from '../../core/driver';
import { fileKey } from './file-names';
import { LockDirectory } from './lock-directory';

type DriverModule = typeof import('./driver');

/**
 * The file backend. The client is a {@link LockDirectory}; without one, the default directory
 * `<os.tmpdir()>/sherlock` is used (Python sherlock's `/tmp/sherlock` on Linux).
 *
 * @example
 * ```ts
 * import { fileBackend } from 'sherlock-rx/file';
 *
 * // Python's FileLock('report', namespace='billing') uses billing_report.json and .lock too.
 * fileBackend.keyFor('report', 'billing'); // 'billing_report'
 * ```
 */
export const fileBackend: DefinedBackend<LockDirectory, LockDriver> = defineBackend({
  name: 'file',
  keyFor: fileKey,
  isClient: (value: unknown): value is LockDirectory => value instanceof LockDirectory,
  clientDescription: 'a LockDirectory (new LockDirectory("/path/to/locks"))',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  load: () => require('./driver') as DriverModule,
  createDriver: (m, directory) => new m.FileDriver(directory),
  createDefaultClient: () => new LockDirectory(),
  closeDefaultClient: async (_m, _directory, driver) => driver.close(),
});
