/**
 * Fencing tokens from a counter file next to the lock (`<key>.fence`), which outlives the
 * state file. Python sherlock has no fencing tokens and ignores the file; its grants do not
 * move the counter.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from './atomic-write';
import { wallClockMicros } from './expiry-time';

/**
 * Increments the counter at `path` (under the lock's flock) and returns the new value.
 *
 * A missing counter starts at the current time in microseconds rather than at 1: temp
 * cleaners (systemd-tmpfiles ages out files in /tmp) or an operator may delete it, and a
 * counter recreated from 1 would hand the next holder a token below one a stale holder still
 * uses. Restarting from the clock stays above every earlier token as long as fewer grants were
 * made than microseconds passed, and the clock did not go back.
 */
export function nextFencingToken(path: string): number {
  let current: number | null = null;
  try {
    const text = readFileSync(path, 'utf8').trim();
    current = /^\d+$/.test(text) ? Number(text) : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const next = current === null ? wallClockMicros() : Math.max(current + 1, 1);
  writeFileAtomically(path, `${next}\n`);
  return next;
}
