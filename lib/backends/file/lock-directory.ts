/**
 * The file backend's client: the directory that holds the lock files.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LockConfigurationError } from '../../errors';

/**
 * The directory used when none is given: `<os.tmpdir()>/sherlock`, which on Linux is
 * `/tmp/sherlock`, Python sherlock's `FileLock` default, so both share locks out of the box.
 */
export function defaultLockDirectoryPath(): string {
  return join(tmpdir(), 'sherlock');
}

/**
 * A directory of lock files, the `client` of the file backend (Python sherlock's `FileLock`
 * takes a `pathlib.Path` there). Nothing touches the disk until a lock uses it; then the
 * directory is created (mode 0o700) if absent and must be writable, else the lock fails with
 * `LockConfigurationError`. `FileLock` also accepts a plain path string.
 *
 * @example
 * ```ts
 * import { configure, backends } from 'sherlock-rx';
 * import { LockDirectory } from 'sherlock-rx/file';
 *
 * // Every process of the service (and any Python sherlock FileLock) pointing here shares the locks.
 * configure({ backend: backends.FILE, client: new LockDirectory('/run/my-service/locks') });
 * ```
 */
export class LockDirectory {
  /** The absolute path of the directory. */
  readonly path: string;

  /** @param path The directory; relative paths are resolved against the current directory. Defaults to `<os.tmpdir()>/sherlock`. */
  constructor(path: string = defaultLockDirectoryPath()) {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
      throw new LockConfigurationError(
        `Invalid lock directory ${JSON.stringify(path)}: it must be a non-empty path string without NUL characters.`,
      );
    }
    this.path = resolve(path);
  }
}

const interned = new Map<string, LockDirectory>();

/**
 * The one {@link LockDirectory} for `path`, so that locks given the same path as a string
 * share one driver (and one directory watch).
 */
export function lockDirectoryAt(path: string): LockDirectory {
  const directory = new LockDirectory(path);
  const existing = interned.get(directory.path);
  if (existing) return existing;
  interned.set(directory.path, directory);
  return directory;
}
