import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

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
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, NODE_DEBUG: 'sherlock-rx' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).to.equal(0);
    const token = run.stdout.trim();
    expect(token).to.match(/^[0-9a-f]{32}$/);
    expect(run.stderr).to.contain(`${token.slice(0, 6)}…`);
    expect(run.stderr).to.not.contain(token);
  });
});
