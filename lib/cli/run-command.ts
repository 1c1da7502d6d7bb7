/**
 * `sherlock-rx run <name> -- <command>`: holds the lock (renewed automatically) while the
 * command runs, and exits with the command's exit code.
 */
import { spawn } from 'node:child_process';
import { isLockLostError, isLockTimeoutError, type Lock, type LockHandle } from '../index';
import type { RawFlags } from './args';
import { resolveRunConfig, type RunConfig } from './config';
import { connect } from './connection';
import { ExitCode } from './exit-codes';
import { showProgress } from './progress';
import { onSignals, signalExitCode } from './signals';

/** Runs the `run` command; resolves with the exit code. Errors are left to main (see exit-codes). */
export async function runCommand(name: string, flags: RawFlags, command: readonly string[]): Promise<number> {
  const config = resolveRunConfig(flags, process.env);
  const connection = await connect(config, name, { expire: config.expire, autoRenew: true });
  try {
    const handle = await acquire(connection.lock, name, config);
    if (typeof handle === 'number') return handle;
    return await supervise(handle, name, command, config);
  } finally {
    await connection.close();
  }
}

/** The held lock, or the exit code when it was not acquired. */
async function acquire(lock: Lock, name: string, config: RunConfig): Promise<LockHandle | number> {
  // A signal while waiting cancels the wait; nothing is held, so nothing is left behind.
  const cancel = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const offSignals = onSignals((signal) => {
    interrupted ??= signal;
    cancel.abort(new Error(`interrupted by ${signal}`));
  });
  const stopProgress = showProgress(name, process.stderr, config.quiet);
  try {
    return await lock.hold({ blocking: !config.noWait, timeout: config.timeout, signal: cancel.signal });
  } catch (err) {
    if (interrupted) return signalExitCode(interrupted);
    if (!isLockTimeoutError(err)) throw err;
    const why = config.noWait ? 'it is held by another owner (--no-wait)' : `not acquired within ${config.timeout} ms (--timeout)`;
    process.stderr.write(`sherlock-rx: lock "${name}" not acquired: ${why}.\n`);
    return ExitCode.NOT_ACQUIRED;
  } finally {
    stopProgress();
    offSignals();
  }
}

/** Runs the command under the held lock, stops it if the lock is lost, releases the lock. */
async function supervise(handle: LockHandle, name: string, command: readonly string[], config: RunConfig): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, SHERLOCK_LOCK_NAME: name };
  if (handle.fencingToken === undefined) delete env.SHERLOCK_FENCING_TOKEN;
  else env.SHERLOCK_FENCING_TOKEN = String(handle.fencingToken);
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  const ended = new Promise<number>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`sherlock-rx: cannot run "${command[0]}": ${err.message}\n`);
      resolve(err.code === 'ENOENT' ? ExitCode.NOT_FOUND : ExitCode.CANNOT_EXECUTE);
    });
    child.once('exit', (code, signal) => resolve(signal ? signalExitCode(signal) : (code ?? ExitCode.SOFTWARE)));
  });
  // Our own SIGINT/SIGTERM/SIGHUP go to the command; it decides how to end, and we follow.
  const offSignals = onSignals((signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
  let lost = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onLost = () => {
    if (!isLockLostError(handle.signal.reason)) return;
    lost = true;
    const reason = (handle.signal.reason as Error).message;
    process.stderr.write(
      `sherlock-rx: lost lock "${name}" while the command ran (${reason}); stopping it: SIGTERM now, SIGKILL in ${config.killAfter} ms.\n`,
    );
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), config.killAfter);
  };
  handle.signal.addEventListener('abort', onLost, { once: true });
  try {
    const code = await ended;
    handle.signal.removeEventListener('abort', onLost);
    if (lost) return ExitCode.LOST;
    return await release(handle, name, code);
  } finally {
    clearTimeout(killTimer);
    offSignals();
  }
}

/** Releases after the command ended; a lock found lost at this point still means the command ran unprotected. */
async function release(handle: LockHandle, name: string, code: number): Promise<number> {
  try {
    await handle.release();
    return code;
  } catch (err) {
    if (isLockLostError(err)) {
      process.stderr.write(`sherlock-rx: lock "${name}" was lost before the command ended (${err.message}).\n`);
      return ExitCode.LOST;
    }
    // The lock expires by itself (its expire); the command's result is still the result.
    process.stderr.write(`sherlock-rx: could not release lock "${name}": ${(err as Error).message} (it will expire by itself).\n`);
    return code;
  }
}
