/**
 * The state file `<key>.json`, in Python sherlock's format: `{"owner": <token>,
 * "expiry_time": <ISO-8601 UTC>}`, plus the `holder` field for `expire: null`. Read and
 * written only under the lock's flock.
 */
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomically } from './atomic-write';
import { formatExpiryTime, hasExpired, neverExpires, parseExpiryTime } from './expiry-time';
import { isDeadLocalHolder, thisHolder, type Holder } from './holder';

/** A parsed state file. */
export interface LockState {
  readonly owner: string;
  /** `expiry_time` in wall-clock microseconds. */
  readonly expiresAtMicros: number;
  readonly holder?: unknown;
}

/**
 * A state file that is not sherlock's: bad JSON, or no string `owner` / ISO `expiry_time`.
 * Neither implementation writes one (this one renames whole files into place; Python writes
 * under the flock), so it was put there by something else, or by a crash in the middle of a
 * Python write: it is reported rather than overwritten, since it may guard something.
 */
export class ForeignStateFileError extends Error {
  constructor(path: string, detail: string) {
    super(
      `${path} is not a sherlock lock state file (${detail}): expected {"owner": "...", "expiry_time": "<ISO-8601>"}. ` +
        'Delete it if no process uses that lock.',
    );
    this.name = 'ForeignStateFileError';
  }
}

/** The state at `path`, or null when there is no file. Throws {@link ForeignStateFileError}. */
export function readState(path: string): LockState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ForeignStateFileError(path, text.length === 0 ? 'empty' : 'not JSON');
  }
  const { owner, expiry_time: expiryTime, holder } = (data ?? {}) as Record<string, unknown>;
  if (typeof owner !== 'string') throw new ForeignStateFileError(path, 'no string "owner"');
  const expiresAtMicros = typeof expiryTime === 'string' ? parseExpiryTime(expiryTime) : null;
  if (expiresAtMicros === null) throw new ForeignStateFileError(path, 'no ISO-8601 "expiry_time"');
  return { owner, expiresAtMicros, holder };
}

/**
 * Whether `state` still keeps others out: not expired by the wall clock (Python's rule), and,
 * for a lock that never expires, not held by a dead process of this host.
 */
export function isLive(state: LockState | null): state is LockState {
  if (state === null || hasExpired(state.expiresAtMicros)) return false;
  return !(neverExpires(state.expiresAtMicros) && isDeadLocalHolder(state.holder));
}

/** Writes the state of a lock held by `owner` for `expireMs` ms from now (null: never expires). */
export function writeState(path: string, owner: string, expireMs: number | null): void {
  const state: { owner: string; expiry_time: string; holder?: Holder } = {
    owner,
    expiry_time: formatExpiryTime(expireMs),
  };
  if (expireMs === null) state.holder = thisHolder();
  writeFileAtomically(path, JSON.stringify(state));
}

/** Deletes the state file (the lock is free). */
export function deleteState(path: string): void {
  rmSync(path, { force: true });
}
