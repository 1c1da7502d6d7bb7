import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

/** Runs `script` in a child process with `NODE_DEBUG=sherlock-rx` (the log goes to its stderr). */
function runWithDebugLog(script: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, NODE_DEBUG: 'sherlock-rx' },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('NODE_DEBUG=sherlock-rx', function () {
  this.timeout(60_000);

  it('never writes an owner token in full (a token can release the lock), only a short prefix', function () {
    // Unsubscribing from a held acquire$() releases in the background, which is logged.
    const script = `
      const { MemoryLock } = require('./lib');
      const sub = new MemoryLock('debugged').acquire$().subscribe((handle) => {
        process.stdout.write(handle.token);
        setTimeout(() => sub.unsubscribe(), 5);
      });`;
    const run = runWithDebugLog(script);
    expect(run.status, run.stderr).to.equal(0);
    const token = run.stdout.trim();
    expect(token).to.match(/^[0-9a-f]{32}$/);
    expect(run.stderr).to.contain(`${token.slice(0, 6)}…`);
    expect(run.stderr).to.not.contain(token);
  });

  it('writes exactly one line per lock event, built from the event, with the token redacted', function () {
    // A plain hold and release, a busy single attempt and a forced loss: every kind of line.
    const script = `
      const { MemoryLock, MemoryStore, lockEvents$ } = require('./lib');
      const store = new MemoryStore();
      const types = [];
      lockEvents$.subscribe((e) => types.push(e.type + ' ' + e.owner));
      (async () => {
        const lock = new MemoryLock('one-line', { client: store, expire: 60000 });
        const handle = await lock.hold();
        await new MemoryLock('one-line', { client: store }).acquire(false);
        await handle.release();
        const again = await lock.hold();
        store.forceDelete(lock.key);
        await again.release().catch(() => undefined);
        process.stdout.write(JSON.stringify({ tokens: [handle.token, again.token], types }));
      })();`;
    const run = runWithDebugLog(script);
    expect(run.status, run.stderr).to.equal(0);
    const { tokens, types } = JSON.parse(run.stdout) as { tokens: string[]; types: string[] };
    const lines = run.stderr.split('\n').filter((line) => /^SHERLOCK-RX \d+: /.test(line));
    expect(types).to.deep.equal([
      `acquiring ${tokens[0]!.slice(0, 6)}…`,
      `acquired ${tokens[0]!.slice(0, 6)}…`,
      types[2], // the single attempt's owner
      types[3],
      `released ${tokens[0]!.slice(0, 6)}…`,
      `acquiring ${tokens[1]!.slice(0, 6)}…`,
      `acquired ${tokens[1]!.slice(0, 6)}…`,
      `lost ${tokens[1]!.slice(0, 6)}…`,
    ]);
    expect(types[2]).to.match(/^acquiring /);
    expect(types[3]).to.match(/^timed-out /);
    expect(lines.map((line) => line.replace(/^SHERLOCK-RX \d+: /, '').split(' ')[0])).to.deep.equal(types.map((t) => t.split(' ')[0]));
    lines.forEach((line, i) => expect(line).to.contain(`owner=${types[i]!.split(' ')[1]}`));
    for (const token of tokens) expect(run.stderr).to.not.contain(token);
  });
});
