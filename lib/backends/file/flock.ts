/**
 * An exclusive flock(2) on a lock's `.lock` file, taken through util-linux's `flock(1)`.
 *
 * Node has no flock of its own. `flock(1)` is given our open file descriptor as its fd 3 and
 * locks it: a flock belongs to the open file description, which the child shares with us, so
 * the lock stays ours after the child exits, until we close the descriptor, or the kernel
 * does when this process dies (even by SIGKILL). It is the lock Python's `filelock` takes
 * (`flock(LOCK_EX | LOCK_NB)`), so the two exclude each other. The wait happens in the child,
 * never in this process's event loop or thread pool. See the README for why not a native addon.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { LockConfigurationError } from '../../errors';

/**
 * How long (s) to wait for the flock. Holders keep it only for one read-modify-write of a
 * small file, so a wait this long means a stuck process; it stays below the core's 5 s bound
 * on a backend call, so the wait ends here, with a clear message, rather than past the point
 * where the core stopped listening.
 */
export const FLOCK_WAIT_SECONDS = 3;

/** Exit code asked of flock(1) on timeout, to tell it from its other failures. */
const TIMEOUT_EXIT = 75;

/** The command run; a test may point it elsewhere. */
export const flockCommand = { path: 'flock' };

/**
 * Opens (creating if needed) the file to flock. Read-only is enough for flock(2), and the file
 * is never written: Python opens it with O_TRUNC, so nothing stored in it would survive.
 */
export function openFlockFile(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_CREAT, 0o644);
}

/** Takes an exclusive flock on the open descriptor `fd` of `path`; resolves once held. */
export function flockExclusive(fd: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(flockCommand.path, ['-x', '-w', String(FLOCK_WAIT_SECONDS), '-E', String(TIMEOUT_EXIT), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new LockConfigurationError(
            `The file backend needs the flock(1) command (util-linux) on PATH to lock ${path}: ` +
              'install util-linux (apt-get install util-linux; on macOS: brew install flock).',
            { cause: err },
          ),
        );
      } else reject(err);
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else if (code === TIMEOUT_EXIT) reject(new Error(`flock on ${path} still held by another process after ${FLOCK_WAIT_SECONDS} s`));
      else reject(new Error(`flock(1) failed on ${path} (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/**
 * Runs `critical` while holding the exclusive flock on `path`, and releases it (by closing the
 * descriptor) as soon as `critical` returns. `critical` is synchronous on purpose: the whole
 * read-modify-write then happens in one turn of the event loop, with no await inside.
 */
export async function underFlock<T>(path: string, critical: () => T): Promise<T> {
  const fd = openFlockFile(path);
  try {
    await flockExclusive(fd, path);
    return critical();
  } finally {
    closeSync(fd);
  }
}
