import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

/** Runs mocha, as `npm test` does, on the leaky fixture in a child process. */
function runFixture(fail: boolean): { status: number | null; output: string; ms: number } {
  const root = join(__dirname, '..', '..');
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
      '--no-config', '-r', 'ts-node/register', '-r', 'spec/support/mocha-hooks.ts', '--extension', 'ts',
      'spec/support/fixtures/leaky.fixture.ts',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', SHERLOCK_TEST_EXIT_GRACE_MS: '1000', FIXTURE_FAIL: fail ? '1' : '0' },
    },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}`, ms: Date.now() - started };
}

describe('the test run itself', function () {
  this.timeout(90_000);

  it('ends, failing, when a failed test leaves a handle open (no hang without --exit)', function () {
    const { status, output } = runFixture(true);
    expect(status, output).to.equal(1);
    expect(output).to.contain('deliberate failure').and.contain('TCPServerWrap');
  });

  it('fails a passing run that leaves a handle open: a green run proves nothing was left open', function () {
    const { status, output } = runFixture(false);
    expect(status, output).to.equal(1);
    expect(output).to.contain('1 passing').and.contain('did not exit within 1000 ms');
  });
});
