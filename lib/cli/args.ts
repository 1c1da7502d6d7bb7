/**
 * Splits the command line into a subcommand, its flags (as given, not yet validated) and,
 * for `run`, the command after `--`.
 */
import { parseArgs } from 'node:util';
import { LockConfigurationError } from '../index';

/** The subcommands, plus the top-level `--help` and `--version`. */
export type Subcommand = 'run' | 'locked';

/** The flags as strings, before {@link resolveConfig} checks them. */
export interface RawFlags {
  backend?: string;
  url?: string;
  namespace?: string;
  timeout?: string;
  expire?: string;
  'no-wait'?: boolean;
  'kill-after'?: string;
  quiet?: boolean;
}

/** What the command line asks for. */
export type ParsedArgs =
  | { kind: 'help'; topic?: Subcommand }
  | { kind: 'version' }
  | { kind: Subcommand; name: string; flags: RawFlags; command: string[] };

const CONNECTION = {
  backend: { type: 'string' },
  url: { type: 'string' },
  namespace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTIONS = {
  locked: CONNECTION,
  run: {
    ...CONNECTION,
    timeout: { type: 'string' },
    expire: { type: 'string' },
    'no-wait': { type: 'boolean' },
    'kill-after': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
} as const;

const isSubcommand = (s: string | undefined): s is Subcommand => s === 'run' || s === 'locked';

/**
 * Parses `argv` (without `node` and the script). Throws `LockConfigurationError` with a
 * message that says what was wrong and what is allowed.
 */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'help' };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { kind: 'help' };
    if (isSubcommand(topic)) return { kind: 'help', topic };
    throw usage(`unknown command "${topic}": the commands are run and locked.`);
  }
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!isSubcommand(first)) {
    throw usage(`unknown command "${first}": the commands are run and locked (see sherlock-rx --help).`);
  }
  // Everything after the first `--` is the command, untouched: its own flags are not ours.
  const dashes = rest.indexOf('--');
  const ours = dashes === -1 ? rest : rest.slice(0, dashes);
  const command = dashes === -1 ? [] : rest.slice(dashes + 1);
  let parsed;
  try {
    parsed = parseArgs({ args: ours, options: OPTIONS[first], allowPositionals: true, strict: true });
  } catch (err) {
    throw usage(`${first}: ${(err as Error).message.replace(/\s*To specify a positional argument.*$/s, '')} (see sherlock-rx ${first} --help).`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', topic: first };
  if (positionals.length === 0) throw usage(`${first}: the lock name is missing (see sherlock-rx ${first} --help).`);
  if (positionals.length > 1) {
    const hint = first === 'run' ? ': put the command after "--", e.g. sherlock-rx run my-job -- ./backup.sh' : '';
    throw usage(`${first}: expected one lock name, got ${positionals.map((p) => `"${p}"`).join(' ')}${hint}.`);
  }
  if (first === 'run' && command.length === 0) {
    throw usage('run: the command is missing: put it after "--", e.g. sherlock-rx run my-job -- ./backup.sh');
  }
  if (first === 'locked' && dashes !== -1) throw usage('locked: takes no command (nothing after "--").');
  const { help: _help, ...flags } = values;
  return { kind: first, name: positionals[0]!, flags: flags as RawFlags, command };
}

/** A usage error: a `LockConfigurationError`, which the CLI maps to exit code 64. */
export function usage(message: string): LockConfigurationError {
  return new LockConfigurationError(message);
}
