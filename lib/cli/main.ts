#!/usr/bin/env node
/**
 * The `sherlock-rx` command: entry point of the bin. Maps the outcome to an exit code (see
 * exit-codes.ts) and exits as soon as the work is done.
 */
import { isLockBackendError, isLockConfigurationError } from '../index';
import { parseCommandLine } from './args';
import { ExitCode } from './exit-codes';
import { helpText } from './help';
import { lockedCommand } from './locked-command';
import { runCommand } from './run-command';
import { packageVersion } from './version';

/** Runs the command line `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    switch (args.kind) {
      case 'help':
        process.stdout.write(helpText(args.topic));
        return ExitCode.OK;
      case 'version':
        process.stdout.write(`${packageVersion()}\n`);
        return ExitCode.OK;
      case 'run':
        return await runCommand(args.name, args.flags, args.command);
      case 'locked':
        return await lockedCommand(args.name, args.flags);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sherlock-rx: ${message}\n`);
    if (isLockConfigurationError(err)) return ExitCode.USAGE;
    if (isLockBackendError(err)) return ExitCode.BACKEND;
    return ExitCode.SOFTWARE;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    // Exit now: a client library's lingering timer or socket must not delay a cron job.
    process.exit(code);
  });
}
