import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('examples', function () {
  this.timeout(60_000);

  it('npm run demo runs on the memory backend with no server, without overlaps', async function () {
    const { stdout } = await run(process.execPath, ['-r', 'ts-node/register', 'examples/demo.ts', '--workers', '3', '--rounds', '2'], {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    expect(stdout).to.match(/Summary: 6 grants in \d+ ms, overlapping holders: 0, fencing tokens strictly increasing: true/);
  });
});
