import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { lockFilesOf } from '../../../lib/backends/file/file-names';
import { underFlock } from '../../../lib/backends/file/flock';
import { FileLock, closeDefaultClients } from '../../../lib';
import {
  exitOf,
  lineOf,
  nodeChild,
  pythonFilelockAvailable,
  pythonProcess,
  removeDirectories,
  scratchDirectory,
} from './support';

describe('file backend: many processes @integration', function () {
  this.timeout(180_000);
  let dir: string;
  const children: ReturnType<typeof nodeChild>[] = [];
  const locks: FileLock[] = [];
  const lock = (name: string, expire: number | null = 10_000) => {
    const l = new FileLock(name, { client: dir, expire });
    locks.push(l);
    return l;
  };

  beforeEach(function () {
    dir = scratchDirectory();
  });
  afterEach(async function () {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(locks.splice(0).map((l) => l[Symbol.asyncDispose]().catch(() => undefined)));
    await closeDefaultClients();
    removeDirectories();
  });

  it('lets one holder at a time among Node and Python processes, with fencing tokens in grant order', async function () {
    const log = join(dir, 'holds.log');
    const NODE = 4;
    const ROUNDS = 6;
    for (let i = 0; i < NODE; i++) children.push(nodeChild('contender.ts', [dir, 'shared', log, String(ROUNDS), '15']));
    const withPython = pythonFilelockAvailable();
    if (withPython) for (let i = 0; i < 2; i++) children.push(pythonProcess(dir, 'shared', 'worker', log, '4', '15'));
    const codes = await Promise.all(children.map((c) => exitOf(c)));
    expect(codes.every((c) => c === 0), `exit codes ${codes.join(',')}`).to.equal(true);

    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).to.have.length(2 * (NODE * ROUNDS + (withPython ? 8 : 0)));
    const fences: number[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const [start, end] = [lines[i].split(' '), lines[i + 1].split(' ')];
      // Any overlap puts two starts (or two ends) next to each other, or pairs different holders.
      expect([start[0], end[0]], `lines ${i}-${i + 1}: ${lines[i]} / ${lines[i + 1]}`).to.deep.equal(['start', 'end']);
      expect(end.slice(1, 3), `line ${i + 1}`).to.deep.equal(start.slice(1, 3));
      if (start[1] === 'node') fences.push(Number(start[3]));
    }
    for (let i = 1; i < fences.length; i++) expect(fences[i], `fence ${i}`).to.be.greaterThan(fences[i - 1]);
  });

  it("leaves a SIGKILLed holder's lock taken until it expires, then grants it", async function () {
    const holder = nodeChild('holder.ts', [dir, 'killed', 'lock:2000']);
    children.push(holder);
    await lineOf(holder, /^held /);
    holder.kill('SIGKILL');
    await exitOf(holder);
    expect(await lock('killed').acquire(false)).to.equal(false);
    expect(await lock('killed').acquire({ timeout: 30_000 })).to.equal(true);
  });

  it('takes over a never-expiring lock of a SIGKILLed process of this host', async function () {
    const holder = nodeChild('holder.ts', [dir, 'forever', 'lock:none']);
    children.push(holder);
    await lineOf(holder, /^held /);
    expect(await lock('forever', null).acquire(false)).to.equal(false);
    holder.kill('SIGKILL');
    await exitOf(holder);
    expect(await lock('forever', null).acquire(false)).to.equal(true);
  });

  it('gets the flock back from the kernel when its holder is SIGKILLed', async function () {
    const holder = nodeChild('holder.ts', [dir, 'flocked', 'flock']);
    children.push(holder);
    await lineOf(holder, /^held /);
    holder.kill('SIGKILL');
    await exitOf(holder);
    // Were the flock not released, this would fail after the flock wait (3 s).
    expect(await underFlock(lockFilesOf(dir, 'flocked').flock, () => 'in')).to.equal('in');
  });
});
