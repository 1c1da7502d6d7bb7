/**
 * `sherlock-rx locked <name>`: whether anyone holds the lock, as an exit code, so that
 * `if sherlock-rx locked nightly; then ...` reads naturally in a shell.
 */
import type { RawFlags } from './args';
import { resolveConnection } from './config';
import { connect } from './connection';
import { ExitCode } from './exit-codes';

/** Resolves with 0 when the lock is held, 1 when it is free; errors are left to main. */
export async function lockedCommand(name: string, flags: RawFlags): Promise<number> {
  const config = resolveConnection(flags, process.env);
  const connection = await connect(config, name, {});
  try {
    return (await connection.lock.locked()) ? ExitCode.OK : ExitCode.FREE;
  } finally {
    await connection.close();
  }
}
