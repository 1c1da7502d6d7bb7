/**
 * examples/angular/ the way CI and a reader run it: type-checked on its own tsconfig (Angular's
 * ESM-only typings under the project's node20/CommonJS settings), then run with ts-node on the
 * memory backend. Its output must show the lock held while a consumer's injector lives,
 * released (locked() false) once that injector is destroyed, and taken by a second consumer
 * afterwards with a higher fencing token.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

describe('examples/angular', function () {
  this.timeout(120_000);

  it('type-checks with its own tsconfig', async function () {
    // A type error makes tsc exit non-zero; tsc prints its diagnostics on stdout.
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join('examples', 'angular', 'tsconfig.json')], {
      cwd: root,
      timeout: 100_000,
    }).catch((err: Error & { stdout?: string }) => {
      throw new Error(`tsc failed on examples/angular:\n${err.stdout ?? err.message}`);
    });
  });

  it('main.ts: the lock is held while a consumer lives, released when its injector is destroyed, then taken by the next', async function () {
    // The kill timeout only stops a run that never ends (e.g. a stream that is never
    // unsubscribed would keep the lock and its timers alive); it measures nothing.
    const { stdout } = await run(process.execPath, ['-r', 'ts-node/register', join('examples', 'angular', 'main.ts')], {
      cwd: root,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    const lines = stdout.trim().split('\n');
    expect(lines).to.have.length(5);
    const held = /^consumer ([AB]): holding report-q3 \(fencing token (\d+)\), stream open = true; locked\(\) = true$/;
    const gone = /^consumer ([AB]) destroyed: stream open = false, error = none; locked\(\) = false$/;
    expect(lines[0]).to.match(held);
    expect(lines[1]).to.match(gone);
    expect(lines[2]).to.match(held);
    expect(lines[3]).to.match(gone);
    expect(lines.map((l) => l.match(/^consumer ([AB])/)?.[1])).to.deep.equal(['A', 'A', 'B', 'B', undefined]);
    const fences = [lines[0], lines[2]].map((l) => Number(l.match(held)![2]));
    expect(fences[1]).to.be.above(fences[0]);
    expect(lines[4]).to.equal('done');
  });
});
