/**
 * The exit codes of `sherlock-rx` (internal to the CLI). Codes of our own are taken from
 * sysexits.h (64-78), which ordinary commands rarely use, so a script can tell "the lock
 * said no" from "the command failed". `run` otherwise exits with its command's own code.
 */
export const ExitCode = {
  /** `locked`: the lock is held; `run`: the command succeeded. */
  OK: 0,
  /** `locked`: the lock is free. */
  FREE: 1,
  /** Bad flags, arguments or environment, or a missing client library (EX_USAGE). */
  USAGE: 64,
  /** The backend could not be reached or failed (EX_UNAVAILABLE). */
  BACKEND: 69,
  /** An unexpected internal error (EX_SOFTWARE). */
  SOFTWARE: 70,
  /** Not acquired: busy with `--no-wait`, or `--timeout` passed (EX_TEMPFAIL: try again later). */
  NOT_ACQUIRED: 75,
  /**
   * The lock was lost while the command ran, and the command was stopped. Outside sysexits
   * on purpose: no other tool gives it a meaning.
   */
  LOST: 79,
  /** The command could not be executed (permission), as in a shell. */
  CANNOT_EXECUTE: 126,
  /** The command was not found, as in a shell. */
  NOT_FOUND: 127,
} as const;

