import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { fileBackend } from '../../../lib/backends/file/descriptor';
import { lockFilesOf, pathlibStem } from '../../../lib/backends/file/file-names';
import { isLockConfigurationError } from '../../../lib/errors';
import { pythonFilelockAvailable, SYSTEM_PYTHON } from './support';

describe('file backend: keys and file names', function () {
  it('builds the key as Python sherlock does: <namespace>_<name>', function () {
    expect(fileBackend.keyFor('report', 'billing')).to.equal('billing_report');
    expect(fileBackend.keyFor('report', null)).to.equal('report');
  });

  it("names the files as pathlib's with_suffix does, dotted keys included", function () {
    const keys = ['plain', 'a.b', 'a.b.c', '.hidden', '..foo', 'x.fence', 'a..b', 'ünï.cödé'];
    expect(lockFilesOf('/d', 'a.b')).to.include({ state: '/d/a.json', flock: '/d/a.lock', fence: '/d/a.fence' });
    if (!pythonFilelockAvailable()) return;
    const script = 'import sys, pathlib\nfor k in sys.argv[1:]: print(pathlib.Path("/d", k).with_suffix(".json").name)';
    const out = spawnSync(SYSTEM_PYTHON, ['-c', script, ...keys], { encoding: 'utf8' });
    expect(out.stdout.trim().split('\n')).to.deep.equal(keys.map((k) => `${pathlibStem(k)}.json`));
  });

  for (const [why, name] of [
    ['a slash', 'a/b'],
    ['a trailing dot', 'job.'],
    ['the name ..', '..'],
    ['over 255 bytes with the suffix', 'é'.repeat(125)],
  ] as const) {
    it(`refuses a name with ${why}, saying why`, function () {
      let thrown: unknown;
      try {
        fileBackend.keyFor(name, null);
      } catch (err) {
        thrown = err;
      }
      expect(isLockConfigurationError(thrown)).to.equal(true);
      expect((thrown as Error).message).to.match(/file backend/);
    });
  }
});
