/**
 * Helpers shared by the file backend specs: scratch directories, the Python stand-in for
 * sherlock's FileLock, and Node child processes.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileBackend } from '../../../lib/backends/file/descriptor';
import { targetsFor } from '../../support/targets';

/** Debian's interpreter: the pyenv `python3` earlier on PATH lacks the Debian modules. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
/** The stand-in for Python sherlock 0.4.1's FileLock. */
export const PYTHON_LOCK = join(__dirname, 'python', 'sherlock_file_lock.py');

/** Whether /usr/bin/python3 can import filelock (installed by .ci/run as python3-filelock). */
export function pythonFilelockAvailable(): boolean {
  if (existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import filelock'], { stdio: 'ignore' }).status === 0) return true;
  // A silent skip would let CI pass with no interop checked at all.
  const msg = `python3-filelock is not installed for ${SYSTEM_PYTHON}`;
  if (process.env.CI === 'true') throw new Error(`${msg}: CI must install it (see .ci/run).`);
  console.warn(`\n  !!! SKIPPING Python FileLock interop tests: ${msg}.\n`);
  return false;
}

/** A fresh scratch directory (removed by {@link removeDirectories}). */
const made: string[] = [];
export function scratchDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'srx-file-'));
  made.push(dir);
  return dir;
}

/** Removes every scratch directory made so far. */
export function removeDirectories(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh lock target (new name, new token) of the file backend. */
export const newTarget = targetsFor(fileBackend);

/** Runs one command of the Python stand-in and resolves with its trimmed output. */
export function python(dir: string, key: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, [PYTHON_LOCK, dir, key, ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`python ${args[0]} exited ${code}: ${err}`))));
  });
}

/** Starts a long-running Python stand-in command, for line-by-line conversations. */
export function pythonProcess(dir: string, key: string, ...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(SYSTEM_PYTHON, [PYTHON_LOCK, dir, key, ...args]);
}

/** Starts a TypeScript child script under ts-node (transpile only). */
export function nodeChild(script: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'children', script), ...args]);
}

/** Resolves with the first stdout line of `child` matching `pattern`, rejecting if it exits first. */
export function lineOf(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      const line = buffered.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        child.stdout.off('data', onData);
        resolve(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${pattern}: ${buffered}${stderr}`)));
  });
}

/** Resolves with the exit code once `child` has exited. */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
