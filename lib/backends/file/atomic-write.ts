/**
 * Whole-file replacement by rename, so that a reader (or a crash) never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Prefix of this library's temporary files. They start with a dot and end with `.tmp`, so no
 * lock key's `.json`, `.lock` or `.fence` file can ever have their name.
 */
export const TEMP_PREFIX = '.sherlock-rx-';

/** Writes `content` to `path` through a temporary file in the same directory and a rename. */
export function writeFileAtomically(path: string, content: string): void {
  const temp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content, { flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
