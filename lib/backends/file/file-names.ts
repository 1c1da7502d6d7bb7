/**
 * Lock keys and the file names Python sherlock's `FileLock` derives from them.
 *
 * Python builds both names with `pathlib`: `(directory / key).with_suffix('.json')` and
 * `.with_suffix('.lock')`. `with_suffix` replaces what pathlib calls the suffix: the part from
 * the last dot, when that dot is neither the first nor the last character. So the keys
 * `job.1` and `job.2` both use `job.json` and `job.lock` in Python, and here too, or the two
 * implementations would not exclude each other: such names share one lock (over-exclusion,
 * never under-exclusion). Keys ending with a dot are refused, because pathlib versions
 * disagree on their suffix.
 */
import { join } from 'node:path';
import { LockConfigurationError } from '../../errors';
import { sherlockKey } from '../key-format';

/** Most file systems' limit on one file name, in bytes. */
export const MAX_FILE_NAME_BYTES = 255;

/** Suffix of the state file Python sherlock reads and writes. */
export const STATE_SUFFIX = '.json';
/** Suffix of the file both implementations flock(2) around every read-modify-write. */
export const FLOCK_SUFFIX = '.lock';
/** Suffix of this library's fencing counter (Python ignores it); the longest suffix used. */
export const FENCE_SUFFIX = '.fence';

/** The three files of one lock. */
export interface LockFiles {
  /** `<stem>.json`: `{"owner", "expiry_time"}`, present while (or until expiry after) someone holds the lock. */
  readonly state: string;
  /** `<stem>.lock`: flock'ed for every read-modify-write; never deleted, never written. */
  readonly flock: string;
  /** `<stem>.fence`: the last fencing token handed out. */
  readonly fence: string;
  /** The state file's name alone, as directory watch events report it. */
  readonly stateName: string;
}

/** The key without pathlib's suffix (see the module comment). */
export function pathlibStem(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot > 0 && dot < key.length - 1 ? key.slice(0, dot) : key;
}

/** The files of the lock at `key` in `directory`. */
export function lockFilesOf(directory: string, key: string): LockFiles {
  const stem = pathlibStem(key);
  return {
    state: join(directory, stem + STATE_SUFFIX),
    flock: join(directory, stem + FLOCK_SUFFIX),
    fence: join(directory, stem + FENCE_SUFFIX),
    stateName: stem + STATE_SUFFIX,
  };
}

/**
 * The key of a lock (`<namespace>_<name>`, as Python sherlock builds it), after checking that
 * it can name files: no `/`, not ending with `.`, and at most 255 bytes with the longest
 * suffix. Throws {@link LockConfigurationError} otherwise.
 */
export function fileKey(name: string, namespace: string | null): string {
  const key = sherlockKey(name, namespace);
  const refuse = (why: string): never => {
    throw new LockConfigurationError(`Invalid lock name ${JSON.stringify(name)} for the file backend: ${why}`, {
      lockName: name,
    });
  };
  if (key.includes('/')) refuse('the key names a file, so it cannot contain "/".');
  if (key.endsWith('.')) {
    refuse('the key names a file, so it cannot end with "." (Python versions disagree on the file name it gives).');
  }
  const bytes = Buffer.byteLength(pathlibStem(key) + FENCE_SUFFIX, 'utf8');
  if (bytes > MAX_FILE_NAME_BYTES) {
    refuse(
      `its file name "<key>${FENCE_SUFFIX}" would be ${bytes} bytes in UTF-8; file names are limited to ${MAX_FILE_NAME_BYTES} bytes.`,
    );
  }
  return key;
}
