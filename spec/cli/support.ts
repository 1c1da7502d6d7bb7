/**
 * The CLI specs run the real compiled bin: lib/ is compiled once per test process with the
 * build's tsconfig into a temp dir laid out like an installed package (`<tmp>/pkg/dist`,
 * `<tmp>/pkg/package.json`, `<tmp>/pkg/node_modules`), so `--version` and the client
 * libraries resolve as they would after `npm install`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep } from '../support/async';

const ROOT = resolve(__dirname, '..', '..');
let built: Promise<string> | undefined;

/** Compiles the package once (tsc, tsconfig.build.json) and resolves with the bin's path. */
export function buildCli(): Promise<string> {
  built ??= new Promise<string>((done, fail) => {
    const pkg = join(mkdtempSync(join(tmpdir(), 'sherlock-cli-')), 'pkg');
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // No declarations or source maps: the bin needs neither, and they double the build time.
    const args = [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist'), '--declaration', 'false', '--sourceMap', 'false', '--inlineSources', 'false'];
    execFile(process.execPath, args, (err, stdout) => {
      if (err) return fail(new Error(`tsc failed: ${stdout}`));
      copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
      symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(pkg, 'node_modules'));
      process.once('exit', () => rmSync(join(pkg, '..'), { recursive: true, force: true }));
      done(join(pkg, 'dist', 'cli', 'main.js'));
    });
  });
  return built;
}

/** A running `sherlock-rx` process. */
export interface CliRun {
  readonly child: ChildProcess;
  /** Resolves with the exit code (the CLI always exits through process.exit). */
  readonly exited: Promise<number | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Starts the bin with `args`; the environment is the test's minus the CLI's own variables, plus `env`. */
export function cli(bin: string, args: readonly string[], env: Record<string, string> = {}): CliRun {
  const base = { ...process.env };
  for (const v of ['SHERLOCK_BACKEND', 'REDIS_URL', 'MEMCACHED_URL', 'ETCD_URL', 'SHERLOCK_NAMESPACE', 'SHERLOCK_FENCING_TOKEN', 'SHERLOCK_LOCK_NAME']) delete base[v];
  const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Runs the bin to its end. */
export async function cliResult(bin: string, args: readonly string[], env: Record<string, string> = {}) {
  const run = cli(bin, args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** A scratch file the commands under test append to. */
export function scratchFile(): { path: string; lines(): string[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sherlock-cli-log-'));
  const path = join(dir, 'log');
  return {
    path,
    lines: () => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Polls until `check` holds (the condition is the assertion's precondition, not a timing claim). */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for: ${what}`);
    await sleep(25);
  }
}

/** The package's version, as --version must print it. */
export const packageVersion = (): string => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
