import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cliResult, packageVersion } from './support';

/** The compiled bin's help, version and usage errors (no server needed). */
describe('sherlock-rx CLI: help, version, usage errors', function () {
  this.timeout(120_000);
  let bin: string;
  before(async function () {
    bin = await buildCli();
  });

  it('prints the version from package.json', async function () {
    const r = await cliResult(bin, ['--version']);
    expect(r).to.include({ code: 0, stdout: `${packageVersion()}\n` });
  });

  it('has a top-level help and one per command, with examples and the exit codes', async function () {
    const top = await cliResult(bin, ['--help']);
    expect(top.code).to.equal(0);
    expect(top.stdout).to.include('sherlock-rx run <name>').and.include('Examples:');
    for (const args of [['run', '--help'], ['help', 'run']]) {
      const run = await cliResult(bin, args);
      expect(run.code).to.equal(0);
      expect(run.stdout).to.include('Exit codes:').and.include('75').and.include('79').and.include('--kill-after');
    }
    const locked = await cliResult(bin, ['locked', '-h']);
    expect(locked.stdout).to.include('Exits 0 if anyone holds the lock');
  });

  const usageCases: Array<[string, string[], RegExp]> = [
    ['an unknown command', ['lock', 'x'], /unknown command "lock": the commands are run and locked/],
    ['an unknown flag', ['run', '--backend', 'memory', '--wait', 'x', '--', 'true'], /Unknown option '--wait'/],
    ['a missing name', ['locked', '--backend', 'memory'], /the lock name is missing/],
    ['a missing command', ['run', '--backend', 'memory', 'x'], /the command is missing: put it after "--"/],
    ['a command without --', ['run', '--backend', 'memory', 'x', 'true'], /expected one lock name.*put the command after "--"/],
    ['no backend', ['run', 'x', '--', 'true'], /no backend: pass --backend or set SHERLOCK_BACKEND to one of redis, memcached, etcd, zookeeper, file, memory/],
    ['an unknown backend', ['run', '--backend', 'consul', 'x', '--', 'true'], /--backend "consul" is not a backend: use one of/],
    ['a duration that is not a number', ['run', '--backend', 'memory', '--timeout', '5s', 'x', '--', 'true'], /--timeout "5s" is not valid: give a whole number of milliseconds from 0/],
    ['an expire below 10 ms', ['run', '--backend', 'memory', '--expire', '5', 'x', '--', 'true'], /--expire "5" is not valid: .* from 10 /],
    ['--no-wait with --timeout', ['run', '--backend', 'memory', '--no-wait', '--timeout', '5', 'x', '--', 'true'], /--no-wait and --timeout exclude each other/],
    ['a malformed redis URL', ['locked', '--backend', 'redis', '--url', 'cache:6379', 'x'], /--url "cache:6379" is not a redis address: give redis:\/\/host:port/],
    ['a malformed zookeeper address', ['locked', '--backend', 'zookeeper', '--url', 'http://zk:2181', 'x'], /--url "http:\/\/zk:2181" is not a zookeeper address: give host:port/],
    ['a URL for the memory backend', ['locked', '--backend', 'memory', '--url', 'x:1', 'x'], /the memory backend has no server/],
    ['a name the library rejects', ['locked', '--backend', 'redis', 'a{b}'], /\{/],
  ];
  for (const [what, args, message] of usageCases) {
    it(`exits 64 with a message on ${what}`, async function () {
      const r = await cliResult(bin, args);
      expect(r.stderr).to.match(message);
      expect(r.code).to.equal(64);
    });
  }

  it('reads the backend from SHERLOCK_BACKEND and validates it', async function () {
    const r = await cliResult(bin, ['locked', 'x'], { SHERLOCK_BACKEND: 'nope' });
    expect(r.code).to.equal(64);
    expect(r.stderr).to.include('SHERLOCK_BACKEND "nope" is not a backend');
  });

  it('passes the exit code of the command through (memory backend)', async function () {
    const r = await cliResult(bin, ['run', '--backend', 'memory', 'x', '--', 'sh', '-c', 'exit 7']);
    expect(r.code).to.equal(7);
  });

  it('runs a command under a file lock in the directory given as --url', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'srx-cli-file-'));
    try {
      const r = await cliResult(bin, ['run', '--backend', 'file', '--url', dir, 'x', '--', 'sh', '-c', 'ls "$0"; exit 3', dir]);
      expect(r.stdout).to.include('x.json');
      expect(r.code).to.equal(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 127 when the command does not exist', async function () {
    const r = await cliResult(bin, ['run', '--backend', 'memory', 'x', '--', 'no-such-command-sherlock']);
    expect(r.code).to.equal(127);
    expect(r.stderr).to.include('cannot run "no-such-command-sherlock"');
  });
});
