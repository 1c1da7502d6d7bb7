/**
 * Assertions shared by several spec files.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { isLockConfigurationError, isLockError } from '../../lib/errors';

/** Runs `fn`, asserts it throws a LockConfigurationError, and returns it. */
export function expectConfigError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(isLockConfigurationError(err), String(err)).to.equal(true);
    return err as Error;
  }
  throw new Error('expected a LockConfigurationError');
}

/**
 * Runs `code` in a fresh Node process at the project root (TypeScript sources) and returns
 * the loaded module paths matching `pattern`.
 */
export function modulesLoadedBy(code: string, pattern: RegExp): string[] {
  const probe =
    `${code};` +
    `const pattern = new RegExp(${JSON.stringify(pattern.source)});` +
    'process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => pattern.test(k))));';
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', probe], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout) as string[];
}

/**
 * Whether `err` is a raw client error, as the driver contract wants drivers to throw: an
 * Error that is not (yet) a LockError, since the core alone wraps it into a LockBackendError.
 */
export function isRawClientError(err: unknown): err is Error {
  return err instanceof Error && !isLockError(err);
}
