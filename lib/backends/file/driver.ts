/**
 * The file {@link LockDriver}: Python sherlock's FileLock protocol over one directory. Every
 * read-modify-write of a state file runs synchronously under the lock's flock. Failures are
 * thrown as they are: the core wraps them into `LockBackendError`.
 */
import { realpathSync } from 'node:fs';
import { map, startWith, type Observable } from 'rxjs';
import type { AcquireAttempt, LockDriver, LockTarget, ReleaseSignal } from '../../core/driver';
import { DirectoryWatch } from './directory-watch';
import { nextFencingToken } from './fence';
import { lockFilesOf, type LockFiles } from './file-names';
import { underFlock } from './flock';
import type { LockDirectory } from './lock-directory';
import { prepareLockDirectory } from './prepare-directory';
import { deleteState, ForeignStateFileError, isLive, readState, writeState, type LockState } from './state-file';

export { LockDirectory } from './lock-directory';

/** Drives the locks of one {@link LockDirectory}. */
export class FileDriver implements LockDriver {
  readonly backend = 'file';
  /**
   * The directory's real path: two `LockDirectory`s reaching one directory (through a symlink,
   * or two objects for one path) share this process's release bus and waiter queue. Undefined
   * if the path cannot be resolved (then per driver).
   */
  readonly releaseScope: string | undefined;
  private readonly watch: DirectoryWatch;
  /**
   * Tokens whose acquisition gave up while an attempt may be in flight. A flock(1) process takes
   * milliseconds, so without this an abandoned attempt would still write its grant after the
   * caller left, and the lock would look taken until the core's release of it came through.
   * Keyed by the target, which the core keeps for the whole acquisition: nothing to clean up.
   */
  private readonly abandoned = new WeakSet<LockTarget>();

  /** Throws `LockConfigurationError` when the directory cannot be created or written. */
  constructor(readonly directory: LockDirectory) {
    prepareLockDirectory(directory.path);
    this.releaseScope = realPathOrUndefined(directory.path);
    this.watch = new DirectoryWatch(directory.path);
  }

  tryAcquire(target: LockTarget): Promise<AcquireAttempt> {
    const files = this.filesOf(target.key);
    // A waiter's poll usually finds the lock held: answering "busy" from a read without the
    // flock is safe (it only delays a retry) and spares the flock(1) process (a few ms each).
    const peeked = peekState(files.state);
    if (peeked !== undefined && isLive(peeked)) return Promise.resolve({ acquired: false });
    return underFlock(files.flock, (): AcquireAttempt => {
      if (this.abandoned.has(target) || isLive(readState(files.state))) return { acquired: false };
      // The counter first: if writing the state fails after it, a token was merely skipped.
      const fencingToken = nextFencingToken(files.fence);
      writeState(files.state, target.token, target.expire);
      return { acquired: true, fencingToken };
    });
  }

  abandon(target: LockTarget): void {
    this.abandoned.add(target);
  }

  release(target: LockTarget): Promise<boolean> {
    const files = this.filesOf(target.key);
    return underFlock(files.flock, () => {
      if (ownerOf(files.state) !== target.token) return false;
      deleteState(files.state);
      return true;
    });
  }

  renew(target: LockTarget): Promise<boolean> {
    const files = this.filesOf(target.key);
    return underFlock(files.flock, () => {
      const state = ownStateOrNull(files.state);
      // Python's rule: an expired entry is not renewed, even if still ours; someone may be taking it.
      if (!isLive(state) || state.owner !== target.token) return false;
      writeState(files.state, target.token, target.expire);
      return true;
    });
  }

  isLocked(key: string): Promise<boolean> {
    const files = this.filesOf(key);
    const peeked = peekState(files.state);
    if (peeked !== undefined) return Promise.resolve(isLive(peeked));
    return underFlock(files.flock, () => isLive(readState(files.state)));
  }

  watchReleases(target: LockTarget): Observable<ReleaseSignal> {
    return this.watch.deletionsOf(this.filesOf(target.key).stateName).pipe(
      map((): ReleaseSignal => 'released'),
      startWith<ReleaseSignal>('listening'),
    );
  }

  /** Stops the directory watch (the default directory's driver, on `closeDefaultClients()`). */
  close(): void {
    this.watch.close();
  }

  private filesOf(key: string): LockFiles {
    return lockFilesOf(this.directory.path, key);
  }
}

function realPathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The state read without the flock, or undefined when it does not parse. Our writes rename
 * whole files into place, but Python rewrites the file in place under the flock, so a read
 * without it can see a truncated file: that answer is left to a read under the flock (a
 * prefix of a JSON object never parses as one, so what does parse is a whole state).
 */
function peekState(path: string): LockState | null | undefined {
  try {
    return readState(path);
  } catch (err) {
    if (err instanceof ForeignStateFileError) return undefined;
    throw err;
  }
}

/** The state, or null when it is absent or not sherlock's (then it cannot be ours either). */
function ownStateOrNull(path: string): LockState | null {
  try {
    return readState(path);
  } catch (err) {
    if (err instanceof ForeignStateFileError) return null;
    throw err;
  }
}

function ownerOf(path: string): string | undefined {
  return ownStateOrNull(path)?.owner;
}
