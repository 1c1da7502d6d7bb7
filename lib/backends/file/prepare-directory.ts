/**
 * Making sure a lock directory exists and can be written, once per directory, before any lock
 * uses it: a directory we cannot write would otherwise fail every acquisition the same way.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockConfigurationError } from '../../errors';
import { TEMP_PREFIX } from './atomic-write';

/**
 * Creates `path` (mode 0o700: only this user can reach the locks) if absent, then writes and
 * deletes a probe file: `access(W_OK)` would say yes to root on a read-only mount. Throws
 * {@link LockConfigurationError} when the directory cannot be created or written.
 */
export function prepareLockDirectory(path: string): void {
  const probe = join(path, `${TEMP_PREFIX}probe-${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new LockConfigurationError(
      `The file backend cannot write to the lock directory ${path} (${code}): it creates <key>.json, <key>.lock and ` +
        '<key>.fence files there. Pass a directory this process can create files in as the client (new LockDirectory(path)).',
      { cause: err },
    );
  }
}
